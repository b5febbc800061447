"""Tests for the handout preprocessors, variant pipelines and renderer, without a kernel.

Notebooks are built in memory with small helpers, like nbconvert's
``tests/preprocessors/base.py``; outputs are written by hand as an executed notebook
would hold them.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from datasharing_workshop.errors import BuildError
from datasharing_workshop.handouts.answers import NO_ANSWER
from datasharing_workshop.handouts.offline import external_resources
from datasharing_workshop.handouts.preprocessors import (
    CheckCellTags,
    InsertGroupAnswers,
    RemoveStreams,
    StripWidgets,
)
from datasharing_workshop.handouts.render import render_handout
from datasharing_workshop.handouts.variants import pipeline
from datasharing_workshop.notebook.contract import EXERCISE_MIMETYPE, WIDGET_VIEW_MIMETYPE

WIDGET_STATE = {
    "application/vnd.jupyter.widget-state+json": {
        "state": {"abc": {"state": {"value": "SECRET widget value"}}},
        "version_major": 2,
        "version_minor": 0,
    }
}
FACTS = {
    "workshop_title": "Test <workshop>",
    "date_iso": "2025-03-14",
    "date_text": "14 March 2025",
    "host_agency": "Office of Policy & Management",
    "facilitators": ["Alex Example"],
    "version": "0",
}


def tagged(cell, *tags):
    cell.metadata["tags"] = list(tags)
    return cell


def exercise_output(scenario: str, html: str = "<p>Prompt</p>", exercise: str = "classify"):
    return new_output(
        "display_data",
        data={
            WIDGET_VIEW_MIMETYPE: {"version_major": 2, "version_minor": 0, "model_id": "abc"},
            "text/html": html,
            "text/plain": "Exercise()",
            EXERCISE_MIMETYPE: {"exercise": exercise, "scenario": scenario, "title": "T"},
        },
    )


def executed_notebook():
    """An executed breakout as papermill leaves it: parameters + injected cell, outputs."""
    cells = [
        new_markdown_cell("# Breakout\n\n## First part"),
        tagged(new_code_cell('group = ""'), "parameters"),
        tagged(
            new_code_cell('# Parameters\ngroup = ""\nstore_path = "/secret/path"'),
            "injected-parameters",
        ),
        new_code_cell("show(1)", outputs=[exercise_output("s1", "<p>Scenario one prompt</p>")]),
        new_code_cell("show(2)", outputs=[exercise_output("s2", "<p>Scenario two prompt</p>")]),
        tagged(
            new_code_cell(
                "key",
                outputs=[new_output("display_data", data={"text/html": "<p>SECRET key s1</p>"})],
            ),
            "answer-key",
        ),
        tagged(new_markdown_cell("SECRET facilitator note"), "facilitator"),
        new_code_cell(
            "w",
            outputs=[
                new_output(
                    "execute_result",
                    data={WIDGET_VIEW_MIMETYPE: {"model_id": "abc"}, "text/plain": "VBox(SECRET)"},
                    execution_count=1,
                ),
                new_output("stream", name="stderr", text="SECRET DeprecationWarning\n"),
                new_output("stream", name="stdout", text="printed\n"),
            ],
        ),
        new_markdown_cell("## Second part\n\n| A | B |\n|---|---|\n| 1 | 2 |"),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["widgets"] = WIDGET_STATE
    return nb


def run(variant, nb=None, **kw):
    nb = nb or executed_notebook()
    resources: dict = {}
    for step in pipeline(variant, notebook_name="nb.ipynb", **kw):
        nb, resources = step(nb, resources)
    return nb, resources


def sources(nb):
    return [c.source for c in nb.cells]


def test_participant_pipeline_drops_answer_keys_facilitator_notes_and_parameters():
    nb, _ = run("participant")
    text = nbformat.writes(nb)
    assert "SECRET" not in text
    assert "/secret/path" not in text
    assert "widgets" not in nb.metadata
    assert sources(nb)[0].startswith("# Breakout")
    assert len(nb.cells) == 5  # title, two exercises, the widget cell (stdout), second part


def test_facilitator_pipeline_keeps_keys_and_notes_but_not_parameters():
    nb, _ = run("facilitator")
    tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert tags == ["answer-key", "facilitator"]
    assert "/secret/path" not in nbformat.writes(nb)


def test_group_pipeline_keeps_keys_drops_notes_and_adds_only_this_groups_answers():
    answers = [
        {
            "id": 7,
            "group": "Group A",
            "exercise": "classify",
            "scenario": "s1",
            "answer": {"level": "restricted"},
            "correct": True,
            "score": 0.5,
            "feedback": "Right <script>alert(1)</script>\nsecond line",
            "recorded_at": "2025-03-14T10:02:03+00:00",
        }
    ]
    nb, resources = run("group", group="Group A", answers=answers)
    tags = [t for c in nb.cells for t in c.metadata.get("tags", [])]
    assert tags == ["answer-key"]
    first = nb.cells[1].outputs[0].data["text/html"]
    assert first.startswith("<p>Scenario one prompt</p>")
    assert "Group A’s saved answer" in first
    assert "level: restricted" in first
    assert "Right &lt;script&gt;alert(1)&lt;/script&gt;<br>\nsecond line" in first
    assert "<script>" not in first
    assert "50%" in first
    second = nb.cells[2].outputs[0].data["text/html"]
    assert NO_ANSWER in second
    assert resources["handout"]["answers_shown"] == [("classify", "s1"), ("classify", "s2")]


def test_group_answers_are_matched_by_exercise_and_scenario():
    other = {
        "id": 1,
        "group": "Group A",
        "exercise": "another_exercise",
        "scenario": "s1",
        "answer": {"x": 1},
        "correct": False,
        "score": None,
        "feedback": "",
        "recorded_at": "",
    }
    nb, _ = run("group", group="Group A", answers=[other])
    assert NO_ANSWER in nb.cells[1].outputs[0].data["text/html"]


def test_strip_widgets_keeps_static_html_and_drops_bare_widgets():
    nb = executed_notebook()
    nb, _ = StripWidgets(enabled=True)(nb, {})
    exercise = nb.cells[3].outputs[0]
    assert WIDGET_VIEW_MIMETYPE not in exercise.data
    assert exercise.data["text/html"] == "<p>Scenario one prompt</p>"
    widget_cell = nb.cells[7]
    assert [o.output_type for o in widget_cell.outputs] == ["stream", "stream"]
    assert "widgets" not in nb.metadata


def test_remove_streams_drops_stderr_only():
    nb = executed_notebook()
    nb, _ = RemoveStreams(enabled=True)(nb, {})
    streams = [o for o in nb.cells[7].outputs if o.output_type == "stream"]
    assert [o.name for o in streams] == ["stdout"]


def test_check_cell_tags_fails_on_an_unknown_tag():
    nb = executed_notebook()
    tagged(nb.cells[5], "answer_key")
    with pytest.raises(BuildError, match=r"nb.ipynb: cell 6 \(`key`\): unknown tag 'answer_key'"):
        CheckCellTags(enabled=True, notebook_name="nb.ipynb")(nb, {})


def test_every_pipeline_checks_tags_before_removing_cells():
    nb = executed_notebook()
    tagged(nb.cells[6], "facilitater")
    for variant in ("participant", "facilitator", "group"):
        with pytest.raises(BuildError, match="unknown tag 'facilitater'"):
            run(variant, nb=nbformat.from_dict(nb))


def test_insert_group_answers_adds_html_to_an_exercise_output_without_any():
    nb = new_notebook(
        cells=[
            new_code_cell(
                "x",
                outputs=[
                    new_output(
                        "display_data",
                        data={EXERCISE_MIMETYPE: '{"exercise": "e", "scenario": "s"}'},
                    )
                ],
            )
        ]
    )
    nb, _ = InsertGroupAnswers(enabled=True, group="G")(nb, {})
    assert NO_ANSWER in nb.cells[0].outputs[0].data["text/html"]


def test_render_participant_handout(tmp_path: Path):
    html = render_handout(
        executed_notebook(),
        variant="participant",
        facts=FACTS,
        notebook_file="notebooks/02_breakout.ipynb",
        notebook_title="Breakout",
        notebook_dir=tmp_path,
    )
    assert "SECRET" not in html
    assert '<html lang="en">' in html
    assert "<title>Breakout – Participant handout – Test &lt;workshop&gt;</title>" in html
    assert "Office of Policy &amp; Management" in html
    assert '<main id="content">' in html
    assert 'href="#First-part"' in html  # table of contents
    assert '<th scope="col">A</th>' in html
    assert 'class="dsw-page-break" id="Second-part"' in html
    assert "anchor-link" not in html.split("</style>")[-1]
    assert external_resources(html) == []


def test_render_facilitator_handout_labels_keys_and_notes(tmp_path: Path):
    html = render_handout(
        executed_notebook(),
        variant="facilitator",
        facts=FACTS,
        notebook_file="nb.ipynb",
        notebook_title="Breakout",
        notebook_dir=tmp_path,
    )
    assert '<p class="dsw-audience-label">Answer key</p>' in html
    assert '<p class="dsw-audience-label">Facilitator only</p>' in html
    assert "SECRET key s1" in html
    assert "SECRET facilitator note" in html
    assert "SECRET widget value" not in html  # widget state never reaches a handout


def test_render_refuses_a_page_that_would_load_from_the_network(tmp_path: Path):
    nb = new_notebook(cells=[new_markdown_cell("# T\n\n![logo](https://example.org/logo.png)")])
    with pytest.raises(BuildError, match=r"would load 1 resource\(s\) from outside itself"):
        render_handout(
            nb,
            variant="participant",
            facts=FACTS,
            notebook_file="nb.ipynb",
            notebook_title="T",
            notebook_dir=tmp_path,
        )


def test_markdown_images_are_embedded(tmp_path: Path):
    # A 1x1 PNG next to the notebook becomes a data: URI.
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5fd8e7a0000000049454e44ae426082"
    )
    (tmp_path / "dot.png").write_bytes(png)
    nb = new_notebook(cells=[new_markdown_cell("# T\n\n![a dot](dot.png)")])
    html = render_handout(
        nb,
        variant="participant",
        facts=FACTS,
        notebook_file="nb.ipynb",
        notebook_title="T",
        notebook_dir=tmp_path,
    )
    assert 'src="data:image/png;base64,' in html
    assert external_resources(html) == []


def test_offline_checker_flags_what_stock_nbconvert_lab_html_loads():
    # The reason the kit has its own template: the stock lab template links CDNs.
    from nbconvert import HTMLExporter

    nb = executed_notebook()
    html, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    found = " ".join(external_resources(html))
    assert "require.js" in found
    assert "mathjax" in found.lower()


@pytest.mark.parametrize(
    ("html", "count"),
    [
        ('<script src="https://cdn.example/x.js"></script>', 1),
        ('<link rel="stylesheet" href="//fonts.example/css">', 1),
        ('<img src="figure.png">', 1),
        ('<img srcset="a.png 1x, data:image/png;base64,AA 2x">', 1),
        ('<iframe src="https://example.org"></iframe>', 1),
        (
            "<style>@import url('https://x/y.css'); a { background: url(data:image/png;base64,AA) }</style>",
            1,
        ),
        ('<div style="background: url(https://x/y.png)"></div>', 1),
        ('<style>@import "theme.css";</style>', 1),
        ('<svg><image href="https://x/y.png"/></svg>', 1),
        ('<a href="https://portal.ct.gov/">read the playbook</a>', 0),
        ('<a href="#top">top</a><img src="data:image/png;base64,AA">', 0),
    ],
)
def test_offline_checker(html, count):
    assert len(external_resources(html)) == count
