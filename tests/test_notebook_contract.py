"""Tests for the notebook contract (datasharing_workshop.notebook.contract): tags, parameters
and metadata, shared by the handout build, the app and the room."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datasharing_workshop.notebook.contract import (
    ALLOWED_TAGS,
    INJECTED_TAG,
    METADATA_KEY,
    PARAMETER_NAMES,
    declared_parameters,
    inject_parameters,
    kit_metadata,
    notebook_title,
    parameters_cells,
    read_notebook,
    tag_problems,
    unknown_parameters,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "handouts"


def write_notebook(path: Path, cells: list[dict], **metadata) -> Path:
    path.write_text(
        json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})
    )
    return path


def cell(source: str, *tags: str, kind: str = "code") -> dict:
    out = {"cell_type": kind, "source": source, "metadata": {"tags": list(tags)}}
    if kind == "code":
        out.update(outputs=[], execution_count=None)
    return out


def test_fixture_breakout_notebook_is_read():
    info, problems = read_notebook(
        FIXTURES / "notebooks" / "02_classify_breakout.ipynb", "02.ipynb"
    )
    assert problems == []
    assert info.stem == "02_classify_breakout"
    assert info.title == "Classifying data"
    assert info.settings.handouts == ("participant", "facilitator", "group")
    assert info.settings.exercise == "fixture_exercise"
    assert info.parameters == ("workshop_id", "group", "scenario_set", "store_path", "jurisdiction")
    assert info.parameters_cell == 1


def test_only_declared_parameters_are_passed():
    info, _ = read_notebook(FIXTURES / "notebooks" / "01_welcome.ipynb", "01.ipynb")
    assert info.parameters == ("workshop_id", "jurisdiction")  # no group: it still runs
    assert info.settings.handouts == ("participant", "facilitator")  # the default


def test_misspelt_tag_names_notebook_cell_and_tag():
    _, problems = read_notebook(FIXTURES / "misspelt_tag.ipynb", "notebooks/misspelt_tag.ipynb")
    assert problems == [
        'notebooks/misspelt_tag.ipynb: cell 2 (`print("SECRET-MISSPELT the answer")`): '
        "unknown tag 'answer_key' (did you mean 'answer-key'?); allowed tags: "
        + ", ".join(sorted(ALLOWED_TAGS))
    ]


@pytest.mark.parametrize("tag", ["facilitater", "Answer-Key", "solution", ""])
def test_any_tag_outside_the_closed_set_is_a_problem(tmp_path, tag):
    path = write_notebook(tmp_path / "n.ipynb", [cell("# Title", kind="markdown"), cell("x", tag)])
    _, problems = read_notebook(path, "n.ipynb")
    assert len(problems) == 1
    assert f"cell 2 (`x`): unknown tag '{tag}'" in problems[0]


def test_a_tag_that_is_not_a_string_is_a_problem(tmp_path):
    path = write_notebook(tmp_path / "n.ipynb", [cell("x", 3)])  # type: ignore[arg-type]
    _, problems = read_notebook(path, "n.ipynb")
    assert "unknown tag 3;" in problems[0]


def test_two_parameters_cells_are_a_problem(tmp_path):
    path = write_notebook(
        tmp_path / "n.ipynb", [cell("a = 1", "parameters"), cell("b = 2", "parameters")]
    )
    _, problems = read_notebook(path, "n.ipynb")
    assert problems == [
        "n.ipynb: more than one cell is tagged 'parameters' (cell 1 (`a = 1`), "
        "cell 2 (`b = 2`)); papermill only uses the first, so keep one"
    ]


def test_bad_notebook_metadata_names_the_field(tmp_path):
    path = write_notebook(
        tmp_path / "n.ipynb",
        [cell("x")],
        datasharing_workshop={"handouts": ["participant", "particpant"], "excercise": "x"},
    )
    _, problems = read_notebook(path, "n.ipynb")
    assert any(
        p.startswith("n.ipynb: metadata.datasharing_workshop.handouts[1]: input should be ")
        and p.endswith("got 'particpant'")
        for p in problems
    ), problems
    assert (
        "n.ipynb: metadata.datasharing_workshop.excercise: unknown field; expected one of: "
        "handouts, exercise, uses_answers" in problems
    )


def test_invalid_json_is_reported(tmp_path):
    path = tmp_path / "broken.ipynb"
    path.write_text("{not json")
    info, problems = read_notebook(path, "broken.ipynb")
    assert info is None
    assert problems[0].startswith("broken.ipynb: not a notebook (invalid JSON")


def test_declared_parameters():
    source = 'workshop_id = "x"\ngroup: str = ""\na, b = 1, 2\nimport os\nif True:\n    c = 3\n'
    assert declared_parameters(source) == ("workshop_id", "group", "a", "b")
    assert declared_parameters("%config x\nstore_path = ''\n") == ("store_path",)


def test_title_from_heading_or_file_name():
    assert notebook_title([cell("intro", kind="markdown")], "03_tour_the_playbook") == (
        "Tour the playbook"
    )
    assert notebook_title([cell("## The **playbook** tour", kind="markdown")], "x") == (
        "The playbook tour"
    )


# --------------------------------------------------------------------------- shared parts


def test_papermill_writes_the_injected_cell_after_the_parameters_cell():
    import nbformat

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# T"),
            nbformat.v4.new_code_cell('group = ""', metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("show(group)"),
        ]
    )
    out = inject_parameters(nb, {"group": 'Group "B"\\', "store_path": "C:\\a"}, hidden=True)
    assert [c.get("metadata", {}).get("tags") for c in out.cells] == [
        None,
        ["parameters"],
        [INJECTED_TAG],
        None,
    ]
    injected = out.cells[2]
    assert injected["id"] == INJECTED_TAG and injected.metadata["jupyter"]["source_hidden"]
    namespace: dict = {}
    exec(injected.source, namespace)
    assert (namespace["group"], namespace["store_path"]) == ('Group "B"\\', "C:\\a")
    assert "papermill" not in out.metadata  # no store path recorded in the notebook
    assert len(nb.cells) == 3  # the source is not changed
    again = inject_parameters(out, {"group": "C"}, cell_id="x")
    assert [c["id"] for c in again.cells].count("x") == 1 and len(again.cells) == 4
    nbformat.validate(again)


def test_metadata_parameters_and_tags_helpers():
    nb = {
        "metadata": {METADATA_KEY: {"exercise": "linking"}},
        "cells": [cell("a = 1", "parameters"), cell("x", "remove-cell"), cell("y")],
    }
    assert kit_metadata(nb) == {"exercise": "linking"}
    assert kit_metadata({"metadata": {METADATA_KEY: "oops"}}) == {}
    assert parameters_cells(nb["cells"]) == [0]
    assert unknown_parameters(["group", "grup"]) == ["grup"]
    assert tag_problems(nb["cells"], "n.ipynb") == []


def test_the_app_and_the_room_take_the_contract_s_tags_and_parameters():
    import nbformat

    from datasharing_workshop.errors import BuildError
    from datasharing_workshop.room import copies, pages

    assert pages.ROOM_PARAMETERS == PARAMETER_NAMES
    cells = [
        nbformat.v4.new_code_cell('group = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("setup()", metadata={"tags": ["remove-cell", "hide-input"]}),
        nbformat.v4.new_code_cell("key()", metadata={"tags": ["answer-key"]}),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    copy = copies.participant_copy(nb, parameters={"group": "A"})  # handout tags accepted
    assert [c.source for c in copy.cells if INJECTED_TAG not in c.metadata.get("tags", [])] == [
        'group = ""',
        "setup()",
    ]
    nb.cells[2].metadata["tags"] = ["answer_key"]
    with pytest.raises(BuildError) as refused:
        copies.participant_copy(nb)
    assert str(refused.value) == tag_problems(nb.cells, "notebook")[0]  # the build's words
