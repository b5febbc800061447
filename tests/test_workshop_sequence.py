"""The whole workshop, end to end: a simulated room, then every notebook with papermill.

Four groups are simulated (answers and observer notes, fixed seed, through the widgets'
own functions) into a fresh answer store; then every notebook in ``notebooks/`` runs in
running order, as the handout builder runs them. The report-back must show those groups'
figures and charts, and the feedback export must hold their notes, one section per
playbook section that received any.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.notebooks import PLENARY, REPORT_BACK, WRAP_UP

from datasharing_workshop.reportback.simulate import simulate_workshop

pytestmark = pytest.mark.notebook

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = REPO / "notebooks"
WORKSHOP = "sequence-test"


def outputs(nb: dict, source: str) -> list[dict]:
    """Outputs of the code cells whose source contains ``source``."""
    found = []
    for cell in nb["cells"]:
        text = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and source in text:
            found += cell["outputs"]
    return found


def html_of(items: list[dict]) -> str:
    parts = []
    for o in items:
        html = o.get("data", {}).get("text/html", "")
        parts.append("".join(html) if isinstance(html, list) else html)
    return "\n".join(parts)


@pytest.fixture(scope="module")
def workshop(tmp_path_factory):
    import papermill

    folder = tmp_path_factory.mktemp("workshop")
    store = folder / "answers.sqlite"
    sim = simulate_workshop(store, WORKSHOP, groups=4, seed=2020)
    executed = {}
    values = {
        "workshop_id": WORKSHOP,
        "group": "",
        "store_path": str(store),
        "jurisdiction": "ct",
        "scenario_set": "standard",
    }
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        declared = papermill.inspect_notebook(str(path))
        out = folder / path.name
        papermill.execute_notebook(
            str(path),
            str(out),
            parameters={k: v for k, v in values.items() if k in declared},
            cwd=str(NOTEBOOKS),
            kernel_name="python3",
            progress_bar=False,
        )
        executed[path.stem] = json.loads(out.read_text("utf-8"))
    return sim, store, executed


def test_every_notebook_ran_in_order(workshop):
    _, _, executed = workshop
    assert list(executed)[:2] == ["01_welcome_and_agenda", "02_tour_the_playbook"]
    assert list(executed)[-2:] == [REPORT_BACK, WRAP_UP]


def test_report_back_shows_each_groups_figures(workshop):
    sim, _, executed = workshop
    nb = executed[REPORT_BACK]
    overview = html_of(outputs(nb, "report.overview()"))
    for group in sim.groups:
        assert f'<th scope="row">{group}</th>' in overview
    assert "4 groups" in overview
    assert re.search(r"\d+ of \d+ right · \d+%", overview)
    answers = html_of(outputs(nb, "report.answers()"))
    for group in sim.groups:
        assert f'<th scope="col">{group}</th>' in answers
    # Every registered breakout has its item-level section, and none lacks a key.
    from datasharing_workshop.breakouts.registry import BREAKOUTS

    assert set(sim.exercises) == set(BREAKOUTS)
    for breakout in BREAKOUTS.values():
        assert breakout.title in answers, breakout.id
    assert "has no key" not in answers and "shown as saved" not in answers


def test_report_back_shows_the_three_charts_as_images(workshop):
    _, _, executed = workshop
    nb = executed[REPORT_BACK]
    for call in ("most_missed_chart", "confusion_chart", "channels_chart"):
        (output,) = outputs(nb, f"report.{call}()")
        assert "image/png" in output["data"], call
        assert '<img src="data:image/png;base64,' in "".join(output["data"]["text/html"])
        assert 'alt="' in "".join(output["data"]["text/html"])


def test_report_back_offers_discussion_prompts(workshop):
    _, _, executed = workshop
    prompts = html_of(outputs(executed[REPORT_BACK], "report.discussion_prompts()"))
    assert "Questions for the whole room" in prompts


def test_feedback_export_has_one_section_per_playbook_section_with_notes(workshop, ct):
    sim, store, executed = workshop
    path = store.parent / f"{WORKSHOP}-playbook-feedback.md"
    markdown = path.read_text("utf-8")
    headings = re.findall(r"^## (.*)$", markdown, flags=re.M)
    assert headings == [ct.sections[s].title for s in sim.sections]
    assert len(re.findall(r"^### ", markdown, flags=re.M)) == sim.observations
    shown = html_of(outputs(executed[REPORT_BACK], "report.feedback_export()"))
    assert f"{sim.observations} notes on {len(sim.sections)} playbook sections" in shown
    assert path.name in shown


def test_plenary_notebooks_have_static_html_for_every_widget(workshop):
    _, _, executed = workshop
    for stem in (s for s in PLENARY if s != REPORT_BACK):
        for cell in executed[stem]["cells"]:
            for output in cell.get("outputs", []):
                assert output["output_type"] != "error", stem
                data = output.get("data", {})
                if "application/vnd.jupyter.widget-view+json" in data:
                    assert "text/html" in data, stem
