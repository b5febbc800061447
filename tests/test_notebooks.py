"""Tests for the shipped notebooks: committed clean, thin, and runnable in a fresh kernel.

The structure checks cover every notebook in notebooks/; the executions cover the five
breakout notebooks (03 to 07) and are marked ``notebook`` (they start kernels). Papermill presses no buttons, so executing stores nothing new: the run is
checked through its outputs (one marked exercise per scenario) and through a saved answer
seeded beforehand, which the group's run must show.
"""

from __future__ import annotations

import ast
import html
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets.common import MARKER_MIME, WIDGET_VIEW_MIME

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
ALLOWED_TAGS = {"parameters", "facilitator", "answer-key"}
#: The breakout notebooks this file executes, and the exercise each one runs.
BREAKOUTS = {
    "03_classify_data.ipynb": "classify_data",
    "04_choose_a_transfer_channel.ipynb": "transfer_channel",
    "05_choose_the_agreement.ipynb": "choose_agreement",
    "06_prepare_a_data_request.ipynb": "data_request",
    "07_deidentify_and_aggregate.ipynb": "deidentify",
}
#: What each breakout's seeded answer (see seed) looks like in the static rendering.
SEEDED_SHOWS = {
    "classify_data": "Payment card (PCI) data",
    "transfer_channel": "● Microsoft OneDrive (state Office 365 account) (your choice)",
    "choose_agreement": "☑ NDA: Non-Disclosure Agreement",
    "data_request": "Seeded purpose &lt;script&gt;alert(1)&lt;/script&gt;",
    "deidentify": "<td>Share the county only</td>",
}
PARAMETERS = {
    "workshop_id": "",
    "group": "",
    "scenario_set": "standard",
    "store_path": "",
    "jurisdiction": "ct",
}
SCRIPT = "<script>alert(1)</script>"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def test_the_breakout_notebooks_exist():
    assert set(BREAKOUTS) <= {p.name for p in NOTEBOOKS}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_notebook_is_clean(path):
    nb = read(path)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "python3"
    for index, cell in enumerate(nb.cells, start=1):
        assert tags(cell) <= ALLOWED_TAGS, f"cell {index}: unknown tags {tags(cell) - ALLOWED_TAGS}"
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {index} has outputs"
            assert cell.execution_count is None, f"cell {index} has an execution count"
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, (
                f"cell {index}: code is not hidden"
            )
    parameters = [c for c in nb.cells if "parameters" in tags(c)]
    assert len(parameters) == 1
    assert parameters[0].cell_type == "code"


@pytest.mark.parametrize("name", BREAKOUTS)
def test_breakout_notebook_is_thin_and_tagged(name):
    nb = read(REPO / "notebooks" / name)
    assert nb.metadata.datasharing_workshop == {
        "handouts": ["participant", "facilitator", "group"],
        "exercise": BREAKOUTS[name],
    }
    (parameters,) = [c for c in nb.cells if "parameters" in tags(c)]
    assigned = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in ast.parse(parameters.source).body
        if isinstance(node, ast.Assign)
    }
    assert assigned == PARAMETERS
    for cell in nb.cells:
        if cell.cell_type == "code" and cell is not parameters:
            assert len(cell.source.strip().splitlines()) == 1, cell.source
    answer_key = [c.cell_type for c in nb.cells if "answer-key" in tags(c)]
    assert answer_key == ["markdown", "code"]
    assert [c.cell_type for c in nb.cells if "facilitator" in tags(c)] == ["markdown"]
    assert nb.cells[0].cell_type == "markdown" and not tags(nb.cells[0])


def seed(store: Path, exercise: str, scenario_id: str) -> dict:
    """A saved answer for Group A, so the executed notebook must show it."""
    if exercise == "classify_data":
        field = load_scenarios(exercise)[0].dataset.fields[0].name
        answer = {field: {"category": "pci", "rule": "none"}}
    elif exercise == "transfer_channel":
        answer = {"channel": "onedrive", "steps": ["zip_encrypt"]}
    elif exercise == "choose_agreement":
        answer = {"agreements": ["nda"]}
    elif exercise == "data_request":
        answer = {"purpose": f"Seeded purpose {SCRIPT}"}
    else:
        answer = {"fields": {"zip": "county"}, "min_cell_size": 7}
    with AnswerStore(store) as answers:
        answers.record_answer(
            workshop="nb-test",
            group="Group A",
            exercise=exercise,
            scenario=scenario_id,
            answer=answer,
            correct=False,
            score=0.0,
            feedback=f"Saved line {SCRIPT}",
        )
    return answer


def outputs(nb: nbformat.NotebookNode, cell_id: str) -> list:
    (cell,) = [c for c in nb.cells if c.get("id") == cell_id]
    return cell.outputs


@pytest.mark.notebook
@pytest.mark.parametrize("name", BREAKOUTS)
def test_notebook_runs_in_a_fresh_kernel_with_parameters(name, tmp_path):
    import papermill

    exercise = BREAKOUTS[name]
    scenarios = load_scenarios(exercise)
    store = tmp_path / "answers.sqlite"
    seed(store, exercise, scenarios[0].id)
    executed = tmp_path / name
    papermill.execute_notebook(
        str(REPO / "notebooks" / name),
        str(executed),
        parameters={"workshop_id": "nb-test", "group": "Group A", "store_path": str(store)},
        kernel_name="python3",
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = read(executed)
    every_output = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in every_output if o.output_type == "error"]

    bundles = [o.data for o in outputs(nb, "exercises")]
    assert [b[MARKER_MIME]["scenario"] for b in bundles] == [s.id for s in scenarios]
    for bundle, scenario in zip(bundles, scenarios, strict=True):
        assert bundle[MARKER_MIME] == {
            "exercise": exercise,
            "scenario": scenario.id,
            "title": scenario.title,
        }
        assert WIDGET_VIEW_MIME in bundle
        assert html.escape(scenario.title) in bundle["text/html"]

    saved = bundles[0]["text/html"]  # Group A's saved answer, pre-filled and shown
    assert "Saved line &lt;script&gt;alert(1)&lt;/script&gt;" in saved
    assert SCRIPT not in saved
    assert SEEDED_SHOWS[exercise] in saved
    assert "Your group" not in bundles[1]["text/html"]

    key = outputs(nb, "answer-key")[0].data["text/html"]
    for scenario in scenarios:
        assert html.escape(scenario.facilitator_notes) in key
    # No button was pressed, so nothing new was saved.
    assert len(AnswerStore(store, create=False).answers()) == 1


@pytest.mark.notebook
def test_notebooks_pass_nbval_lax(tmp_path):
    store = tmp_path / "answers.sqlite"
    env = dict(os.environ, DATASHARING_WORKSHOP_STORE=str(store))
    paths = [f"notebooks/{name}" for name in BREAKOUTS]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q", *paths],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    cells = sum(
        1
        for name in BREAKOUTS
        for c in read(REPO / "notebooks" / name).cells
        if c.cell_type == "code"
    )
    assert f"{cells} passed" in result.stdout
    assert not store.exists()  # no group: nothing saved
