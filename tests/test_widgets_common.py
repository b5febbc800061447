"""Tests for datasharing_workshop.widgets.common: feedback, settings, saving, the box."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from datasharing_workshop.breakouts.base import Evaluation, Feedback, FeedbackItem, Link
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules.reasons import Reason
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets import common
from datasharing_workshop.widgets.common import (
    MARKER_MIME,
    WIDGET_VIEW_MIME,
    ExerciseList,
    ExerciseSettings,
    answer_saver,
    exercise_box,
    pick_scenario,
)

SCRIPT = "<script>alert(1)</script>"


def evaluation(feedback_text: str = "All good.", correct: bool = True) -> Evaluation:
    item = FeedbackItem("right", "field", (feedback_text,), (Link("A › B", "https://x/#b"),))
    return Evaluation(
        {"field": "value"}, correct, 1.0 if correct else 0.0, Feedback("1 of 1 right.", (item,))
    )


def test_feedback_html_escapes_and_uses_words_not_colour():
    item = FeedbackItem("wrong", SCRIPT, (SCRIPT,), (Link(SCRIPT, 'https://x/"q'),))
    html = Feedback(SCRIPT, (item,)).html()
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 4
    assert 'href="https://x/&quot;q"' in html
    assert "✘ Not yet" in html
    assert "color" not in html


def test_feedback_text_is_plain_with_marks_and_sources():
    items = (
        FeedbackItem("right", "name", ("It is PII.",), (Link("Safeguarding Data › X", "u"),)),
        FeedbackItem("info", "", ("Overall personal.",), mark="ℹ Best choice"),
    )
    text = Feedback("1 of 1 fields right.", items).text()
    assert text.splitlines() == [
        "1 of 1 fields right.",
        "✔ Right · name: It is PII. (Playbook: Safeguarding Data › X)",
        "ℹ Best choice: Overall personal.",
    ]


def test_link_from_reason_keeps_title_and_url():
    reason = Reason("text", "sid", "Title › Sub", "https://example.org/#sub")
    assert Link.from_reason(reason) == Link("Title › Sub", "https://example.org/#sub")


def test_settings_strip_group_and_default_blank_values():
    settings = ExerciseSettings("  ws ", "  Group A ", "", "", "")
    assert (settings.workshop_id, settings.group) == ("ws", "Group A")
    assert settings.scenario_set == "standard"
    assert settings.jurisdiction == "ct"
    assert settings.saving


def test_settings_without_workshop_take_workshop_yml_or_refuse(tmp_path, monkeypatch):
    monkeypatch.delenv("DATASHARING_WORKSHOP_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=r"no workshop\.yml found"):
        ExerciseSettings("", "Group A")
    (tmp_path / "workshop.yml").write_text("workshop_id: spring\n", encoding="utf-8")
    assert ExerciseSettings("", "Group A").workshop_id == "spring"


def test_settings_refuse_non_text():
    with pytest.raises(InputError, match="group must be text"):
        ExerciseSettings("ws", 3)  # type: ignore[arg-type]


def test_saver_without_group_writes_nothing(store_file):
    status = answer_saver(ExerciseSettings("ws", ""), "ex", "sc")(evaluation())
    assert "Not saved: this copy has no group name" in status
    assert not store_file.exists()


def test_saver_writes_one_row_with_plain_text_feedback(store_file):
    status = answer_saver(ExerciseSettings("ws", "Group <b>"), "ex", "sc")(evaluation())
    assert "Saved for Group &lt;b&gt;" in status
    (row,) = AnswerStore(store_file).answers()
    assert (row.workshop, row.group, row.exercise, row.scenario) == ("ws", "Group <b>", "ex", "sc")
    assert row.answer == {"field": "value"}
    assert row.correct is True
    assert row.feedback == "1 of 1 right.\n✔ Right · field: All good. (Playbook: A › B)"


def test_saver_reports_an_unwritable_store_instead_of_raising(tmp_path):
    settings = ExerciseSettings("ws", "Group A", store_path=str(tmp_path))  # a folder
    status = answer_saver(settings, "ex", "sc")(evaluation())
    assert status.startswith("<p>✘ Not saved:")


def make_box(on_check=None) -> common.ExerciseBox:
    return exercise_box(
        exercise="demo",
        scenario_id="one",
        title="Demo <one>",
        header=[widgets.HTML(value="<p>header</p>")],
        controls=[],
        evaluate=lambda: evaluation(SCRIPT, correct=False),
        on_check=on_check,
        render_static=lambda box: f"<p>static</p>{common.feedback_section(box)}",
    )


def test_box_mimebundle_has_widget_html_and_marker():
    box = make_box()
    bundle = box._repr_mimebundle_()
    assert set(bundle) >= {WIDGET_VIEW_MIME, "text/html", MARKER_MIME, "text/plain"}
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == box.model_id
    assert bundle[MARKER_MIME] == {"exercise": "demo", "scenario": "one", "title": "Demo <one>"}
    assert bundle["text/html"] == "<p>static</p>"


def test_box_check_shows_feedback_in_static_html_and_calls_back():
    seen = []
    box = make_box(on_check=lambda ev: seen.append(ev) or "<p>saved</p>")
    box.check_button.click()
    assert seen and seen[0] is box.last_evaluation
    assert box.save_status.value == "<p>saved</p>"
    html = box._repr_mimebundle_()["text/html"]
    assert "<h3>Feedback</h3>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_closed_box_has_no_bundle():
    box = make_box()
    box.close()
    assert box._repr_mimebundle_ is None or box._repr_mimebundle_() is None


def test_exercise_list_displays_each_box_separately(monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    boxes = [make_box(), make_box()]
    ExerciseList(boxes)._ipython_display_()
    assert shown == boxes


def test_exercise_list_by_id():
    box = make_box()
    assert ExerciseList([box]).by_id("one") is box
    with pytest.raises(InputError, match="expected one of: one"):
        ExerciseList([box]).by_id("two")


class _Sc:
    def __init__(self, id):
        self.id = id


def test_pick_scenario_by_id_and_position():
    scenarios = [_Sc("a"), _Sc("b")]
    assert pick_scenario(scenarios, "b") == (2, scenarios[1])
    assert pick_scenario(scenarios, 1) == (1, scenarios[0])
    with pytest.raises(InputError, match="out of range"):
        pick_scenario(scenarios, 3)
    with pytest.raises(InputError, match="expected one of: a, b"):
        pick_scenario(scenarios, "c")


def _all_widgets(widget) -> list:
    found = [widget]
    for child in getattr(widget, "children", ()):
        found += _all_widgets(child)
    return found


@pytest.mark.parametrize("breakout", ["classify_data", "transfer_channel", "linking"])
def test_a_page_shares_its_layouts_and_styles(breakout):
    """Each widget model is a message from the kernel when a page opens (widgets.shared_models):
    the page's controls share their default and equal layouts and styles."""
    import importlib

    module = importlib.import_module(f"datasharing_workshop.widgets.{breakout}")
    controls = [w for box in module.exercises() for w in _all_widgets(box)]
    layouts = {id(w.layout) for w in controls}
    styles = {id(w.style) for w in controls if hasattr(w, "style")}
    assert len(controls) > 20
    assert len(layouts) <= 8 and len(styles) <= 8, (len(layouts), len(styles))
    # Outside a page's building, ipywidgets' own behaviour is back.
    a, b = widgets.HTML(), widgets.HTML()
    assert a.layout is not b.layout and a.style is not b.style


def test_no_widget_changes_a_layout_or_style_it_may_share():
    """A shared layout or style changed in place would change every widget sharing it."""
    import re
    from pathlib import Path

    assignment = re.compile(r"\.(?:layout|style)\.\w+\s*=[^=]")
    folder = Path(common.__file__).parent
    found = [
        f"{path.name}:{n}"
        for path in sorted(folder.glob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if assignment.search(line)
    ]
    assert found == []
