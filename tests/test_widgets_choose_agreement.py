"""Tests for datasharing_workshop.widgets.choose_agreement, driven like a group would: tick
agreements, press Check, read the feedback and the answer store."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest
from helpers.widget_tree import walk

from datasharing_workshop.breakouts.choose_agreement import (
    AgreementScenario,
    agreement_situation,
    agreement_subject,
)
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules.agreements import advise_agreements
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets import choose_agreement
from datasharing_workshop.widgets.common import MARKER_MIME, WIDGET_VIEW_MIME, ExerciseBox

CT = load_catalogue("ct")
SCENARIOS: list[AgreementScenario] = load_scenarios("choose_agreement", "ct")
IDS = [s.id for s in SCENARIOS]
SCRIPT = "<script>alert(1)</script>"
WORKSHOP = "test-workshop"
GROUP = "Group A"


def make(scenario_id: str, group: str = GROUP) -> ExerciseBox:
    return choose_agreement.exercise(scenario_id, workshop_id=WORKSHOP, group=group)


def advice(scenario: AgreementScenario):
    return advise_agreements(CT, agreement_situation(CT, scenario))


def tick(box: ExerciseBox, ids) -> None:
    for agreement_id, checkbox in box.agreement_checkboxes.items():
        checkbox.value = agreement_id in ids


def subject(agreement_id: str) -> str:
    return agreement_subject(CT.agreements[agreement_id])


def scenario(scenario_id: str) -> AgreementScenario:
    return next(s for s in SCENARIOS if s.id == scenario_id)


def test_the_standard_set_covers_the_playbook_cases():
    assert len(SCENARIOS) >= 3
    assert {s.difficulty for s in SCENARIOS} == {"easy", "medium", "tricky"}
    answers = [set(advice(s).ids) for s in SCENARIOS]
    assert {"none_open_data"} in answers  # when none is needed
    assert {"emou", "dsa"} in answers  # agreements that work together (P20 WIN)
    assert any("baa" in a for a in answers)  # a contractor handling PHI
    assert any(advice(s).consider for s in SCENARIOS)  # publishing instead
    assert {a for ids in answers for a in ids} >= {"mou", "dua", "dsa", "emou", "baa", "sow", "nda"}


# Every scenario is answered right through the widget in tests/test_breakouts_contract.py;
# here one scenario checks what this widget shows and saves.
@pytest.mark.parametrize("sc", SCENARIOS[:1], ids=IDS[:1])
def test_the_needed_agreements_are_right_and_saved(sc, store_file):
    expected = advice(sc)
    box = make(sc.id)
    tick(box, expected.ids)
    box.check_button.click()

    evaluation = box.last_evaluation
    text = evaluation.feedback.text()
    judged = len(CT.agreements) - len(expected.consider)
    assert text.splitlines()[0] == (
        f"Exactly the agreements this share needs: {judged} of {judged} right. Well done."
    )
    for fit in expected.needed:
        line = f"✔ Right · {subject(fit.agreement.id)}: {fit.reasons[0].text}"
        assert line in text
        assert "✔ Right" in box.agreement_marks[fit.agreement.id].value
        assert f'href="{html.escape(fit.reasons[0].url)}"' in box.feedback.value
    for note in expected.together:
        assert f"ℹ Note · Together: {note.text}" in text
    assert "✘" not in text

    (row,) = AnswerStore(store_file).answers()
    assert (row.workshop, row.group, row.exercise, row.scenario) == (
        WORKSHOP,
        GROUP,
        "choose_agreement",
        sc.id,
    )
    assert (row.correct, row.score) == (True, 1.0)
    assert row.answer == {"agreements": [a for a in CT.agreements if a in expected.ids]}
    assert row.feedback == text
    assert "Saved for Group A" in box.save_status.value


@pytest.mark.parametrize("sc", SCENARIOS, ids=IDS)
def test_each_miss_and_each_needless_pick_is_explained(sc, store_file):
    expected = advice(sc)
    needless = next(
        a
        for a in CT.agreements
        if a not in expected.ids and a not in {f.agreement.id for f in expected.consider}
    )
    box = make(sc.id)
    tick(box, [needless])
    box.check_button.click()

    text = box.last_evaluation.feedback.text()
    missed = len(expected.ids)
    judged = len(CT.agreements) - len(expected.consider)
    assert text.splitlines()[0] == (
        f"{judged - missed - 1} of {judged} right: {missed} missed, 1 not needed here."
    )
    for fit in expected.needed:
        line = next(
            ln
            for ln in text.splitlines()
            if ln.startswith(f"✘ Missed · {subject(fit.agreement.id)}:")
        )
        assert fit.reasons[0].text in line and fit.agreement.summary in line
        assert fit.reasons[0].section_title in line
    line = next(ln for ln in text.splitlines() if ln.startswith("✘ Not needed here"))
    agreement = CT.agreements[needless]
    assert line.startswith(f"✘ Not needed here · {subject(needless)}:")
    if needless == "none_open_data":
        level = CT.level(expected.situation.sensitivity).label
        assert CT.message("agreement_not_public", level=level) in line
    else:
        assert (
            CT.message("agreement_not_fit", agreement=agreement.name, summary=agreement.summary)
            in line
        )
    assert "✘ Not needed here" in box.agreement_marks[needless].value

    (row,) = AnswerStore(store_file).answers()
    assert row.correct is False
    assert row.answer == {"agreements": [needless]}
    assert row.score == pytest.approx((judged - missed - 1) / judged, abs=1e-4)


def test_public_data_needs_no_agreement_and_extra_ones_are_called_needless():
    box = make("license-counts-for-a-reporter")
    tick(box, ["none_open_data", "nda"])
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert (
        "✔ Right · No agreement needed, publish as open data: The playbook says: The data is public, and public "
        "data can be shared without any agreement."
    ) in text
    nda = next(ln for ln in text.splitlines() if ln.startswith("✘ Not needed here · NDA:"))
    assert CT.message("agreement_none_needed") in nda
    assert CT.section("no-agreement-needed").title in nda
    assert box.last_evaluation.correct is False


def test_no_agreement_for_personal_data_is_refused():
    box = make("monthly-caseload-file")
    tick(box, ["none_open_data"])
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert (
        "✘ Not needed here · No agreement needed, publish as open data: This data is personal "
        "(identifies people), so sharing it does need an agreement."
    ) in text
    assert (
        "✘ Missed · MOU: The playbook says: The transfers repeat with the same parameters" in text
    )


def test_publishing_counts_is_worth_considering_either_way():
    sc = scenario("test-scores-for-a-study")
    (consider,) = advice(sc).consider
    for ticked in (["dua"], ["dua", "none_open_data"]):
        box = make(sc.id, group="")
        tick(box, ticked)
        box.check_button.click()
        text = box.last_evaluation.feedback.text()
        assert (
            f"ℹ Worth considering · No agreement needed, publish as open data: "
            f"{consider.reasons[0].text}"
        ) in text
        assert box.last_evaluation.correct is True
        assert "ℹ Worth considering" in box.agreement_marks["none_open_data"].value


def test_agreements_that_work_together_are_named_even_when_one_is_missed():
    box = make("five-agency-partnership")
    tick(box, ["emou"])
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert (
        "ℹ Note · Together: The playbook says: E-MOU, DSA and DUA / DUL usually work together"
    ) in text
    assert "✘ Missed · DSA: The playbook says: There will be many transfers" in text
    assert "ℹ Worth considering · DUA / DUL: A rule of thumb for this workshop" in text
    assert box.last_evaluation.score == pytest.approx(6 / 7, abs=1e-4)


def test_re_running_shows_saved_ticks_and_feedback(store_file):
    box = make("claims-system-vendor")
    tick(box, ["baa", "sow"])
    box.check_button.click()
    saved_text = box.last_evaluation.feedback.text()

    again = make("claims-system-vendor")
    assert again.saved is not None and again.saved.feedback == saved_text
    assert {a for a, c in again.agreement_checkboxes.items() if c.value} == {"baa", "sow"}
    assert html.escape(saved_text.splitlines()[0]) in again.feedback.value
    static = again._repr_mimebundle_()["text/html"]
    assert "☑ BAA: Business Associate Agreement" in static
    assert "☐ NDA: Non-Disclosure Agreement" in static


def test_empty_group_shows_the_exercise_and_writes_nothing(store_file):
    box = make(IDS[0], group="")
    tick(box, advice(SCENARIOS[0]).ids)
    box.check_button.click()
    assert box.last_evaluation.correct is True
    assert "Not saved: this copy has no group name" in box.save_status.value
    assert not store_file.exists()


def test_saved_script_text_is_displayed_escaped(store_file):
    AnswerStore(store_file).record_answer(
        workshop=WORKSHOP,
        group=GROUP,
        exercise="choose_agreement",
        scenario=IDS[0],
        answer={"agreements": [SCRIPT, "nda"]},
        correct=False,
        score=0.0,
        feedback=SCRIPT,
    )
    box = make(IDS[0])
    assert box.agreement_checkboxes["nda"].value is True
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in box.feedback.value
    for shown in (box.feedback.value, box._repr_mimebundle_()["text/html"]):
        assert SCRIPT not in shown


def test_scenario_text_is_escaped():
    hostile = AgreementScenario.model_validate(
        {
            "id": "hostile",
            "title": SCRIPT,
            "difficulty": "easy",
            "story": SCRIPT,
            "source": "agreement-type",
            "situation": {"requester": "agency", "categories": ["pii"]},
        }
    )
    box = choose_agreement.build(CT, hostile, agreement_situation(CT, hostile))
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
    assert bundle[MARKER_MIME] == {
        "exercise": "choose_agreement",
        "scenario": sc.id,
        "title": sc.title,
    }
    static = bundle["text/html"]
    assert html.escape(sc.title) in static and html.escape(sc.story) in static
    assert html.escape(CT.requesters[sc.situation.requester].label) in static
    for agreement in CT.agreements.values():
        assert f"☐ {html.escape(choose_agreement.agreement_label(agreement))}" in static
    assert "<h3>Feedback</h3>" not in static
    assert "<script" not in static


def test_every_control_has_a_visible_label():
    box = make(IDS[0], group="")
    controls = [w for w in walk(box) if isinstance(w, widgets.Checkbox | widgets.Button)]
    assert len(controls) == len(CT.agreements) + 1
    for control in controls:
        assert control.description.strip(), control


def test_the_facts_follow_the_situation():
    static = make("five-agency-partnership", group="")._repr_mimebundle_()["text/html"]
    assert "<td>5</td>" in static  # organisations taking part
    assert "No: each request asks for different data" in static
    assert html.escape(CT.level("regulated").label) in static
    vendor = make("claims-system-vendor", group="")._repr_mimebundle_()["text/html"]
    assert "Will a contractor handle health information for your agency?" in vendor


def test_exercises_returns_one_box_per_scenario_in_file_order():
    boxes = choose_agreement.exercises(workshop_id=WORKSHOP, group="")
    assert [b.scenario_id for b in boxes] == IDS
    with pytest.raises(InputError, match="out of range"):
        choose_agreement.exercise(len(IDS) + 1, group="")


def test_answer_key_shows_each_needed_agreement_and_the_notes():
    key = choose_agreement.answer_key().data
    for sc in SCENARIOS:
        assert html.escape(sc.title) in key
        assert html.escape(sc.facilitator_notes) in key
        for fit in advice(sc).needed:
            assert html.escape(fit.reasons[0].text) in key
    assert "E-MOU, DSA and DUA / DUL usually work together" in key


def test_guide_lists_every_agreement_and_says_counsel_decides():
    guide = choose_agreement.guide().data
    for agreement in CT.agreements.values():
        assert html.escape(agreement.summary) in guide
    assert html.escape(CT.message("agreement_counsel")) in guide
    assert "usually work together" in guide
