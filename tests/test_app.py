"""Tests for datasharing_workshop.room.copies and ``datasharing-workshop app``: the Voilà copies
must never carry a facilitator or answer-key cell."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path
from urllib.request import urlopen

import nbformat
import pytest
from helpers.offline_pages import fetched_from_elsewhere
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from datasharing_workshop.cli import main
from datasharing_workshop.errors import BuildError, InputError
from datasharing_workshop.notebook.contract import INJECTED_TAG
from datasharing_workshop.room.copies import (
    breakout_notebooks,
    participant_copy,
    prepare_app,
    voila_command,
)

REPO = Path(__file__).resolve().parents[1]
SOURCES = REPO / "notebooks"
REMOVED = {"facilitator", "answer-key"}
#: The breakout notebooks, with the heading participants see and the answer key's heading.
BREAKOUTS = {
    "03_classify_data.ipynb": ("Breakout 1: Classifying data", "Answer key: classifying data"),
    "04_choose_a_transfer_channel.ipynb": (
        "Breakout 2: Choosing a transfer channel",
        "Answer key: choosing a transfer channel",
    ),
    "05_choose_the_agreement.ipynb": (
        "Breakout 3: Choosing the agreement",
        "Answer key: choosing the agreement",
    ),
    "06_prepare_a_data_request.ipynb": (
        "Breakout 4: Preparing a data request",
        "Answer key: preparing a data request",
    ),
    "07_deidentify_and_aggregate.ipynb": (
        "Breakout 5: De-identifying and aggregating",
        "Answer key: de-identifying and aggregating",
    ),
}


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def tiny_notebook(*extra_cells, exercise: str = "demo") -> nbformat.NotebookNode:
    params = new_code_cell('group = ""')
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_markdown_cell("# Intro"), params, *extra_cells])
    nb.metadata["datasharing_workshop"] = {"exercise": exercise} if exercise else {}
    return nb


def tagged(cell, *names):
    cell.metadata["tags"] = list(names)
    return cell


def test_prepared_copies_have_no_facilitator_or_answer_key_cells(tmp_path):
    written = prepare_app(tmp_path / "app", notebooks=SOURCES)
    assert set(BREAKOUTS) <= {p.name for p in written}
    for path in written:
        source = nbformat.read(SOURCES / path.name, as_version=4)
        copy = nbformat.read(path, as_version=4)
        removed = [c for c in source.cells if tags(c) & REMOVED]
        if path.name in BREAKOUTS:
            assert {t for c in removed for t in tags(c)} == REMOVED  # the test has teeth
        assert not [c for c in copy.cells if tags(c) & REMOVED]
        kept = [(c.cell_type, c.source) for c in source.cells if not tags(c) & REMOVED]
        assert [(c.cell_type, c.source) for c in copy.cells] == kept
        text = json.dumps(copy)
        for cell in removed:
            assert cell.source.splitlines()[0] not in text
        assert all(c.outputs == [] for c in copy.cells if c.cell_type == "code")
        assert copy.metadata.datasharing_workshop == source.metadata.datasharing_workshop


def test_only_breakout_notebooks_are_copied_and_stale_copies_go(tmp_path):
    sources = tmp_path / "notebooks"
    sources.mkdir()
    nbformat.write(tiny_notebook(), sources / "05_demo.ipynb")
    nbformat.write(tiny_notebook(exercise=""), sources / "01_welcome.ipynb")
    nbformat.write(tiny_notebook(), sources / "04_old_breakout.ipynb")
    output = tmp_path / "app"
    prepare_app(output, notebooks=sources)
    (sources / "04_old_breakout.ipynb").unlink()
    assert [p.name for p in breakout_notebooks(sources)] == ["05_demo.ipynb"]
    written = prepare_app(output, notebooks=sources)
    assert [p.name for p in written] == ["05_demo.ipynb"]
    assert sorted(p.name for p in output.glob("*.ipynb")) == ["05_demo.ipynb"]


@pytest.mark.parametrize("bad", ["answer_key", "Facilitator", "facilitators", "hidden"])
def test_a_misspelt_tag_stops_the_build_instead_of_leaking(bad):
    nb = tiny_notebook(tagged(new_code_cell("answer_key()"), bad))
    with pytest.raises(BuildError, match=rf"cell 3 \(`answer_key\(\)`\): unknown tag '{bad}'"):
        participant_copy(nb, name="05_demo.ipynb")


def test_outputs_are_cleared():
    cell = new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", text="Group A's answer")]
    cell.execution_count = 3
    copy = participant_copy(tiny_notebook(cell))
    assert copy.cells[2].outputs == [] and copy.cells[2].execution_count is None
    assert cell.outputs  # the source notebook is left alone


def test_parameters_are_set_right_after_the_parameters_cell():
    copy = participant_copy(
        tiny_notebook(new_code_cell("show()")),
        parameters={"group": "Group 'B'", "workshop_id": "spring"},
    )
    injected = copy.cells[2]
    assert tags(injected) == {INJECTED_TAG}
    assert injected.metadata["jupyter"]["source_hidden"] is True
    namespace: dict = {}
    exec(injected.source, namespace)  # the generated code sets exactly these values
    assert (namespace["group"], namespace["workshop_id"]) == ("Group 'B'", "spring")
    assert copy.cells[3].source == "show()"
    nbformat.validate(copy)


def test_parameters_need_exactly_one_parameters_cell_and_known_names():
    nb = tiny_notebook()
    nb.cells[1].metadata["tags"] = []
    with pytest.raises(BuildError, match="exactly one cell tagged 'parameters', found 0"):
        participant_copy(nb, parameters={"group": "A"})
    with pytest.raises(InputError, match="unknown notebook parameter"):
        participant_copy(tiny_notebook(), parameters={"grup": "A"})


def test_voila_serves_the_folder_on_this_computer_only_without_sources(tmp_path):
    command = voila_command(tmp_path, port=9001)
    # Voilà itself, started with the kit's page template on Jupyter's data path.
    assert command[1:4] == ["-m", "datasharing_workshop.room.voila_template", str(tmp_path)]
    assert {
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        "--port=9001",
        "--strip_sources=True",
        "--template=datasharing",
    } <= set(command)
    # The same patience for slow cells and kernels as `serve` (not nbclient's 4 s).
    from datasharing_workshop.room.settings import IOPUB_TIMEOUT_S, KERNEL_STARTUP_TIMEOUT_S

    assert f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}" in command
    assert f"--VoilaExecutor.startup_timeout={KERNEL_STARTUP_TIMEOUT_S}" in command


def test_cli_prepare_only(tmp_path, capsys):
    output = tmp_path / "app"
    status = main(
        [
            "app",
            "--prepare-only",
            "--output",
            str(output),
            "--group",
            "Group A",
            "--workshop-id",
            "spring",
        ]
    )
    assert status == 0
    printed = capsys.readouterr().out
    assert f"prepared {output / '03_classify_data.ipynb'}" in printed
    copy = nbformat.read(output / "03_classify_data.ipynb", as_version=4)
    injected = [c for c in copy.cells if INJECTED_TAG in tags(c)]
    assert injected and 'group = "Group A"' in injected[0].source  # papermill's literal


def test_cli_warns_that_nothing_is_saved_without_a_group(tmp_path, capsys):
    assert main(["app", "--prepare-only", "--output", str(tmp_path / "app")]) == 0
    assert "answers are checked but not saved" in capsys.readouterr().out


def test_cli_refuses_a_bad_port(tmp_path, capsys):
    assert main(["app", "--port", "0", "--output", str(tmp_path / "app")]) == 2
    assert "--port must be between 1 and 65535" in capsys.readouterr().err


@pytest.mark.notebook
def test_voila_serves_the_breakouts_without_facilitator_content(tmp_path):
    app = tmp_path / "app"
    prepare_app(app, notebooks=SOURCES)
    env = dict(os.environ, DATASHARING_WORKSHOP_STORE=str(tmp_path / "answers.sqlite"))
    # Port 0 is not allowed by Voilà; it moves on from a busy port by itself, so the test
    # reads the address it actually serves on from its log.
    process = subprocess.Popen(
        voila_command(app, port=8866),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        url = None
        for line in process.stderr:  # ends when Voilà logs its address or exits
            if line.startswith("http://127.0.0.1:"):
                url = line.strip()
                break
        assert url, "Voilà stopped before serving"
        threading.Thread(target=process.stderr.read, daemon=True).start()  # keep draining
        listing = json.loads(urlopen(f"{url}voila/api/contents").read())
        assert set(BREAKOUTS) <= {item["name"] for item in listing["content"]}
        for name, (heading, key) in BREAKOUTS.items():
            page = urlopen(f"{url}voila/render/{name}").read().decode("utf-8")
            assert heading in page
            assert "application/vnd.jupyter.widget-view+json" in page
            assert key not in page  # the answer-key cell did not run
            assert "Debrief (facilitators)" not in page
            assert "from datasharing_workshop" not in page  # sources stripped
            # Nothing from the internet (rooms without a network; no third party told).
            assert fetched_from_elsewhere(page) == []
    finally:
        process.terminate()
        process.wait()
