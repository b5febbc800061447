"""`jupyter nbconvert --to datasharing-handout`: participant-safe unless asked otherwise.

Runs the real `jupyter nbconvert` command, so the entry point in pyproject.toml is what is
tested, as JupyterLab's export menu would find it.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

REPO = Path(__file__).resolve().parents[1]
BREAKOUT = REPO / "notebooks" / "03_classify_data.ipynb"


def nbconvert(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "datasharing-handout", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


def executed_breakout(tmp_path: Path, extra_tag: str = "") -> Path:
    """A breakout notebook as JupyterLab saves it after a run: outputs in every cell."""
    nb = new_notebook()
    nb.cells = [
        new_markdown_cell("# Classifying data\n\nDecide how sensitive each dataset is."),
        new_code_cell(
            "x = 1", outputs=[new_output("display_data", {"text/html": "<p>VISIBLE-EXERCISE</p>"})]
        ),
        new_markdown_cell("SECRET-KEY-MARKDOWN", metadata={"tags": ["answer-key"]}),
        new_code_cell(
            "key()",
            metadata={"tags": ["answer-key"]},
            outputs=[new_output("display_data", {"text/html": "<p>SECRET-KEY-OUTPUT</p>"})],
        ),
        new_markdown_cell("SECRET-FACILITATOR-NOTE", metadata={"tags": ["facilitator"]}),
        new_code_cell(
            "print('x')",
            metadata={"tags": ["facilitator"]},
            outputs=[new_output("stream", name="stdout", text="SECRET-FACILITATOR-OUTPUT\n")],
        ),
    ]
    if extra_tag:
        nb.cells.append(new_markdown_cell("MISTAGGED", metadata={"tags": [extra_tag]}))
    path = tmp_path / "03_classify_data.ipynb"
    nbformat.write(nb, path)
    return path


def test_the_exporter_is_registered_for_nbconvert():
    names = {ep.name: ep.value for ep in entry_points(group="nbconvert.exporters")}
    assert names["datasharing-handout"] == (
        "datasharing_workshop.handouts.exporter:DatasharingHandoutExporter"
    )


def test_participant_copy_by_default_has_no_answer_key_or_facilitator_text(tmp_path):
    nb = executed_breakout(tmp_path)
    result = nbconvert(nb.name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "03_classify_data.html").read_text(encoding="utf-8")
    assert "VISIBLE-EXERCISE" in html
    assert "Participant handout" in html
    for secret in ("SECRET-KEY-MARKDOWN", "SECRET-KEY-OUTPUT", "SECRET-FACILITATOR"):
        assert secret not in html


def test_facilitator_option_keeps_everything_labelled(tmp_path):
    nb = executed_breakout(tmp_path)
    result = nbconvert("--DatasharingHandoutExporter.variant=facilitator", nb.name, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "03_classify_data.html").read_text(encoding="utf-8")
    for text in (
        "VISIBLE-EXERCISE",
        "SECRET-KEY-MARKDOWN",
        "SECRET-KEY-OUTPUT",
        "SECRET-FACILITATOR-NOTE",
        "SECRET-FACILITATOR-OUTPUT",
        "Answer key",
        "Facilitator only",
        "Facilitator handout",
    ):
        assert text in html


def test_an_unknown_tag_stops_the_export(tmp_path):
    nb = executed_breakout(tmp_path, extra_tag="answer_key")
    result = nbconvert(nb.name, cwd=tmp_path)
    assert result.returncode != 0
    assert "answer_key" in result.stderr
    assert not (tmp_path / "03_classify_data.html").exists()


def test_an_unknown_variant_is_refused(tmp_path):
    nb = executed_breakout(tmp_path)
    result = nbconvert("--DatasharingHandoutExporter.variant=group", nb.name, cwd=tmp_path)
    assert result.returncode != 0
    assert not (tmp_path / "03_classify_data.html").exists()


@pytest.mark.parametrize(
    ("option", "shown", "hidden"),
    [
        ((), (), ("Answer key (facilitators only)", "Debrief (facilitators)")),
        (
            ("--DatasharingHandoutExporter.variant=facilitator",),
            ("Answer key (facilitators only)", "Debrief (facilitators)"),
            (),
        ),
    ],
)
def test_a_shipped_breakout_both_ways(tmp_path, option, shown, hidden):
    result = nbconvert(*option, "--output-dir", str(tmp_path), str(BREAKOUT), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    html = (tmp_path / "03_classify_data.html").read_text(encoding="utf-8")
    assert "Breakout 1: Classifying data" in html
    for text in shown:
        assert text in html
    for text in hidden:
        assert text not in html
