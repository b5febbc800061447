"""Tests for datasharing_workshop.widgets.data_request, driven like a group would: edit the
draft, press Check, read the feedback, the printable draft and the answer store."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest
from helpers.widget_tree import walk

from datasharing_workshop.breakouts.data_request import RequestScenario
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules.requests import review_request
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets import data_request
from datasharing_workshop.widgets.common import MARKER_MIME, WIDGET_VIEW_MIME, ExerciseBox

CT = load_catalogue("ct")
SCENARIOS: list[RequestScenario] = load_scenarios("data_request", "ct")
IDS = [s.id for s in SCENARIOS]
QUESTIONS = CT.request_questions
SCRIPT = "<script>alert(1)</script>"
WORKSHOP = "test-workshop"
GROUP = "Group A"


def make(scenario_id: str, group: str = GROUP) -> ExerciseBox:
    return data_request.exercise(scenario_id, workshop_id=WORKSHOP, group=group)


def type_in(box: ExerciseBox, answers) -> None:
    for question_id, area in box.answer_boxes.items():
        area.value = answers.get(question_id, "")


def label(question_id: str) -> str:
    return data_request.short_label(QUESTIONS[question_id])


def test_the_standard_set_covers_missing_vague_and_incomplete_answers():
    assert len(SCENARIOS) >= 3
    assert {s.difficulty for s in SCENARIOS} == {"easy", "medium", "tricky"}
    kinds = {k for s in SCENARIOS for k in (s.expected_issues or {}).values()}
    assert kinds == {"missing", "too_short", "vague", "must_mention"}
    flagged = {(q, k) for s in SCENARIOS for q, k in (s.expected_issues or {}).items()}
    assert ("data", "vague") in flagged  # "all fields"
    assert ("data", "must_mention") in flagged  # no time period
    assert ("retention", "must_mention") in flagged  # no destruction


@pytest.mark.parametrize("sc", SCENARIOS, ids=IDS)
def test_the_draft_as_given_is_flagged_with_a_hint_for_each_gap(sc, store_file):
    box = make(sc.id)
    assert {q: a.value for q, a in box.answer_boxes.items() if a.value} == {
        q: v.strip() for q, v in sc.draft.items() if v.strip()
    }
    box.check_button.click()

    evaluation = box.last_evaluation
    text = evaluation.feedback.text()
    review = review_request(CT, sc.draft)
    assert {i.question_id: i.kind for i in review.issues} == sc.expected_issues
    total = len(QUESTIONS)
    assert text.splitlines()[0] == f"{total - len(review.issues)} of {total} answers are clear."
    for issue in review.issues:
        q = QUESTIONS[issue.question_id]
        line = next(ln for ln in text.splitlines() if f"· {label(q.id)}:" in ln)
        if issue.kind in ("missing", "too_short"):
            assert line.startswith(f"✘ Not yet · {label(q.id)}: {issue.text}")
            assert CT.message("request_help", help=q.help) in line
            assert "✘ Not yet" in box.question_marks[q.id].value
        else:
            assert line.startswith(f"◐ Nearly · {label(q.id)}: {issue.text}")
            assert "◐ Nearly" in box.question_marks[q.id].value
        assert issue.reason.section_title in line
    for q in QUESTIONS.values():
        if q.id not in sc.expected_issues:
            assert (
                f"✔ Clear · {label(q.id)}: " + CT.message("request_clear", question=q.question)
                in text
            )
    assert evaluation.correct is False

    (row,) = AnswerStore(store_file).answers()
    assert (row.workshop, row.group, row.exercise, row.scenario) == (
        WORKSHOP,
        GROUP,
        "data_request",
        sc.id,
    )
    assert row.correct is False
    assert row.answer == {q: box.answer_boxes[q].value for q in QUESTIONS}
    assert row.feedback == text
    nearly = sum(1 for k in sc.expected_issues.values() if k in ("vague", "must_mention"))
    clear = total - len(sc.expected_issues)
    assert row.score == pytest.approx((clear + nearly / 2) / total, abs=1e-4)


# Every scenario is answered right through the widget in tests/test_breakouts_contract.py;
# here one scenario checks what this widget shows and saves.
@pytest.mark.parametrize("sc", SCENARIOS[:1], ids=IDS[:1])
def test_the_model_answer_passes_and_prints_as_a_clean_draft(sc, store_file):
    box = make(sc.id)
    type_in(box, sc.model_answer)
    box.check_button.click()

    evaluation = box.last_evaluation
    text = evaluation.feedback.text()
    total = len(QUESTIONS)
    assert text.splitlines()[0] == (
        f"{total} of {total} answers are clear. Well done: the request is ready for the data owner."
    )
    assert f"ℹ Note: {CT.message('request_complete')}" in text
    assert "✘" not in text and "◐" not in text
    (row,) = AnswerStore(store_file).answers()
    assert (row.correct, row.score) == (True, 1.0)

    static = box._repr_mimebundle_()["text/html"]
    assert f"Data request (draft): {html.escape(sc.title)}" in static
    assert static.count(html.escape(data_request.CLEAR_MARK)) >= total
    for q in QUESTIONS.values():
        assert html.escape(q.question) in static
        first_line = sc.model_answer[q.id].strip().splitlines()[0]
        assert html.escape(first_line) in static
    assert box.draft.value in static  # the live draft is the handout's draft


def test_the_printable_draft_says_what_still_needs_work():
    box = make("child-care-waiting-list")
    static = box._repr_mimebundle_()["text/html"]
    assert static.count(data_request.NOT_CHECKED) == len(QUESTIONS)  # before any Check
    box.check_button.click()
    static = box._repr_mimebundle_()["text/html"]
    assert data_request.NOT_CHECKED not in static
    assert (
        "✘ Needs work:</strong> "
        + html.escape('"What is the purpose of the request?": "research purposes" is too vague.')
        in static
    )
    assert "<em>(no answer yet)</em>" in static  # the empty "use" answer


def test_improving_one_answer_clears_its_flag():
    box = make("job-training-outcomes-study")
    box.answer_boxes["data"].value = (
        "Completion, county and earnings after the programme, without names, for people who "
        "started between 2019 and 2022."
    )
    box.check_button.click()
    assert box.last_evaluation.marks["data"] == "right"
    assert "✔ Clear" in box.question_marks["data"].value
    assert box.last_evaluation.marks["retention"] == "nearly"


def test_typed_text_is_escaped_in_feedback_and_draft(store_file):
    box = make("child-care-waiting-list")
    box.answer_boxes["use"].value = f"{SCRIPT} and then some more words to be long enough"
    box.check_button.click()
    for shown in (box.feedback.value, box.draft.value, box._repr_mimebundle_()["text/html"]):
        assert SCRIPT not in shown
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in box.draft.value


def test_line_breaks_are_kept_in_the_printable_draft():
    box = make("child-care-waiting-list", group="")
    box.answer_boxes["methods"].value = "First, counts by town.\nThen a comparison by year."
    assert (
        "First, counts by town.<br>Then a comparison by year."
        in (box._repr_mimebundle_()["text/html"])
    )


def test_re_running_shows_the_saved_answers_instead_of_the_draft(store_file):
    box = make("housing-and-health-link")
    box.answer_boxes["access"].value = "Two named analysts at the health agency."
    box.check_button.click()
    saved_text = box.last_evaluation.feedback.text()

    again = make("housing-and-health-link")
    assert again.saved is not None and again.saved.feedback == saved_text
    assert again.answer_boxes["access"].value == "Two named analysts at the health agency."
    assert html.escape(saved_text.splitlines()[0]) in again.feedback.value


def test_empty_group_shows_the_exercise_and_writes_nothing(store_file):
    box = make(IDS[0], group="")
    box.check_button.click()
    assert "Not saved: this copy has no group name" in box.save_status.value
    assert not store_file.exists()


def test_saved_script_text_is_displayed_escaped(store_file):
    AnswerStore(store_file).record_answer(
        workshop=WORKSHOP,
        group=GROUP,
        exercise="data_request",
        scenario=IDS[0],
        answer={"purpose": SCRIPT, SCRIPT: "x"},
        correct=False,
        score=0.0,
        feedback=SCRIPT,
    )
    box = make(IDS[0])
    assert box.answer_boxes["purpose"].value == SCRIPT
    assert box.answer_boxes["use"].value == ""  # the saved answer replaces the draft
    for shown in (box.feedback.value, box._repr_mimebundle_()["text/html"]):
        assert SCRIPT not in shown


def test_scenario_text_is_escaped():
    hostile = RequestScenario.model_validate(
        {
            "id": "hostile",
            "title": SCRIPT,
            "difficulty": "easy",
            "story": SCRIPT,
            "source": "request-process",
            "context": {
                "requester": SCRIPT,
                "data_owner": SCRIPT,
                "wants": SCRIPT,
                "holds": [SCRIPT],
            },
            "draft": {"purpose": SCRIPT},
        }
    )
    box = data_request.build(CT, hostile)
    box.check_button.click()
    shown = [w.value for w in walk(box) if isinstance(w, widgets.HTML)]
    shown.append(box._repr_mimebundle_()["text/html"])
    assert any("&lt;script&gt;" in value for value in shown)
    assert not any(SCRIPT in value for value in shown)


@pytest.mark.parametrize("sc", SCENARIOS, ids=IDS)
def test_mimebundle_has_widget_static_html_and_marker(sc):
    box = make(sc.id, group="")
    bundle = box._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == box.model_id
    assert bundle[MARKER_MIME] == {"exercise": "data_request", "scenario": sc.id, "title": sc.title}
    static = bundle["text/html"]
    assert html.escape(sc.story) in static
    assert html.escape(sc.context.requester) in static
    assert html.escape(sc.context.wants) in static
    assert "<h3>Feedback</h3>" not in static
    assert "<script" not in static


def test_every_control_has_a_visible_label():
    box = make(IDS[0], group="")
    controls = [w for w in walk(box) if isinstance(w, widgets.Textarea | widgets.Button)]
    assert len(controls) == len(QUESTIONS) + 1
    for control in controls:
        assert control.description.strip(), control


def test_exercises_returns_one_box_per_scenario_in_file_order():
    boxes = data_request.exercises(workshop_id=WORKSHOP, group="")
    assert [b.scenario_id for b in boxes] == IDS
    with pytest.raises(InputError, match="unknown scenario"):
        data_request.exercise("nope", group="")


def test_answer_key_shows_the_gaps_and_a_model_answer():
    key = data_request.answer_key().data
    for sc in SCENARIOS:
        assert html.escape(sc.title) in key
        assert html.escape(sc.facilitator_notes) in key
        for issue in review_request(CT, sc.draft).issues:
            assert html.escape(issue.text) in key
        assert html.escape(sc.model_answer["retention"].strip().splitlines()[0]) in key


def test_guide_lists_every_question_with_its_help():
    guide = data_request.guide().data
    for q in QUESTIONS.values():
        assert html.escape(q.question) in guide and html.escape(q.help) in guide
    assert "all fields" in guide
