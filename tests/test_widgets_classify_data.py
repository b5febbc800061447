"""Tests for datasharing_workshop.widgets.classify_data, driven like a group would: set the
dropdowns, press Check, read the feedback and the answer store."""

from __future__ import annotations

import html

import ipywidgets as widgets
import pytest
from helpers.widget_tree import walk

from datasharing_workshop.breakouts.classify_data import ClassifyScenario
from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules.sensitivity import dataset_sensitivity, lineage
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets import classify_data, common
from datasharing_workshop.widgets.common import MARKER_MIME, WIDGET_VIEW_MIME

CT = load_catalogue("ct")
SCENARIOS: list[ClassifyScenario] = load_scenarios("classify_data", "ct")
IDS = [s.id for s in SCENARIOS]
SCRIPT = "<script>alert(1)</script>"
WORKSHOP = "test-workshop"
GROUP = "Group A"


def make(scenario_id: str, group: str = GROUP) -> common.ExerciseBox:
    return classify_data.exercise(scenario_id, workshop_id=WORKSHOP, group=group)


def answer_key(box: common.ExerciseBox, scenario: ClassifyScenario) -> None:
    for f in scenario.dataset.fields:
        box.category_dropdowns[f.name].value = f.category
        box.rule_dropdowns[f.name].value = f.rule or classify_data.NO_RULE


def wrong_category(category_id: str) -> str:
    """A category that is neither the right one nor a wider one it belongs to."""
    near = set(lineage(CT, category_id))
    return next(c for c in ("public", "confidential", "pci") if c not in near)


def section_title(section_id: str) -> str:
    return CT.section(section_id).title


def field_sentence(name: str, category_id: str) -> str:
    cat = CT.categories[category_id]
    lead = CT.message("basis_" + cat.basis)
    if cat.combination is not None:
        text = CT.message("field_quasi", field=name, category=cat.name, definition=cat.definition)
    else:
        level = CT.level(cat.level).label
        text = CT.message("field_level", field=name, category=cat.name, level=level)
    return f"{lead} {text}"


def test_the_standard_set_covers_easy_to_tricky():
    assert len(SCENARIOS) >= 4
    assert {s.difficulty for s in SCENARIOS} == {"easy", "medium", "tricky"}
    categories = {f.category for s in SCENARIOS for f in s.dataset.fields}
    assert categories >= {
        "public",
        "confidential",
        "pii",
        "phi",
        "pci",
        "education_record",
        "quasi_identifier",
    }


# Every scenario is answered right through the widget in tests/test_breakouts_contract.py;
# here one scenario checks what this widget shows and saves.
@pytest.mark.parametrize("scenario", SCENARIOS[:1], ids=IDS[:1])
def test_answer_key_is_right_for_every_field_and_saved(scenario, store_file):
    box = make(scenario.id)
    answer_key(box, scenario)
    box.check_button.click()

    text = box.last_evaluation.feedback.text()
    n = len(scenario.dataset.fields)
    assert text.splitlines()[0] == f"{n} of {n} fields right. Well done: every field is right."
    for f in scenario.dataset.fields:
        assert f"✔ Right · {f.name}: {field_sentence(f.name, f.category)}" in text
        assert "✔ Right" in box.field_marks[f.name].value
    assert "✘" not in text and "◐" not in text
    truth = dataset_sensitivity(CT, {f.name: f.category for f in scenario.dataset.fields})
    assert CT.message("dataset_level", level=truth.level.label, meaning=truth.level.meaning) in text
    assert html.escape(section_title(truth.level.source)) in box.feedback.value

    (row,) = AnswerStore(store_file).answers()
    assert (row.workshop, row.group, row.exercise, row.scenario) == (
        WORKSHOP,
        GROUP,
        "classify_data",
        scenario.id,
    )
    assert row.correct is True
    assert row.score == 1.0
    assert row.answer == {
        f.name: {"category": f.category, "rule": f.rule or "none"} for f in scenario.dataset.fields
    }
    assert row.feedback == text
    assert "Saved for Group A" in box.save_status.value


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_a_wrong_category_says_why_with_the_playbook_section(scenario, store_file):
    box = make(scenario.id)
    answer_key(box, scenario)
    box.check_button.click()
    target = scenario.dataset.fields[0]
    chosen = wrong_category(target.category)
    box.category_dropdowns[target.name].value = chosen
    box.check_button.click()

    text = box.last_evaluation.feedback.text()
    n = len(scenario.dataset.fields)
    assert text.splitlines()[0] == f"{n - 1} of {n} fields right."
    line = next(
        line for line in text.splitlines() if line.startswith(f"✘ Not yet · {target.name}:")
    )
    assert f"Your answer: {CT.categories[chosen].name};" in line
    assert target.explanation in line
    assert field_sentence(target.name, target.category) in line
    source = CT.categories[target.category].source
    assert f"(Playbook: {section_title(source)}" in line
    assert html.escape(section_title(source)) in box.feedback.value
    assert f'href="{CT.section(source).url}"' in box.feedback.value
    assert "✘ Not yet" in box.field_marks[target.name].value

    first, second = AnswerStore(store_file).answers()
    assert (first.correct, second.correct) == (True, False)
    assert second.answer[target.name]["category"] == chosen
    assert second.score == pytest.approx((n - 0.5) / n, abs=1e-4)
    assert second.feedback == text


def test_a_wrong_rule_gives_the_rule_its_summary_and_its_section():
    scenario = next(s for s in SCENARIOS if s.id == "clinic-visits")
    box = make(scenario.id)
    answer_key(box, scenario)
    box.rule_dropdowns["patient_name"].value = "state_law"
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    hipaa = CT.governing_rules["hipaa"]
    line = next(line for line in text.splitlines() if "· patient_name:" in line)
    assert line.startswith("◐ Nearly · patient_name: Your answer: ")
    assert "governing rule: State law and agency policy." in line
    assert f"Governing rule: {hipaa.name} — {hipaa.full_name}." in line
    assert hipaa.summary in line
    assert section_title(hipaa.source) in line


def test_the_wider_category_is_nearly_right():
    scenario = next(s for s in SCENARIOS if s.id == "school-attendance")
    box = make(scenario.id)
    answer_key(box, scenario)
    box.category_dropdowns["student_name"].value = "pii"
    box.check_button.click()
    evaluation = box.last_evaluation
    assert evaluation.marks["student_name"] == "nearly"
    assert "◐ Nearly" in box.field_marks["student_name"].value
    assert evaluation.correct is False
    assert evaluation.score == pytest.approx(
        (len(scenario.dataset.fields) - 0.25) / len(scenario.dataset.fields), abs=1e-4
    )


def test_quasi_identifiers_are_pointed_out_together():
    scenario = next(s for s in SCENARIOS if s.id == "park-visitor-survey")
    box = make(scenario.id)
    for f in scenario.dataset.fields:  # the trap: everything looks public
        box.category_dropdowns[f.name].value = "public"
        box.rule_dropdowns[f.name].value = "none"
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    together = (
        CT.message("basis_kit")
        + " "
        + CT.message(
            "quasi_together",
            fields="home_zip and sex",
            count=2,
            category=CT.categories["pii"].name,
        )
    )
    assert f"ℹ Note · Together: {together}" in text
    assert section_title("aggregating-data") in text
    assert (
        "✘ Not yet · Whole dataset: Your answers make the dataset public, but it is "
        "personal (identifies people)."
    ) in text
    personal = CT.level("personal")
    assert personal.meaning in text


def test_unanswered_fields_are_missed():
    box = make("library-card-holders")
    box.category_dropdowns["card_type"].value = "public"
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert text.splitlines()[0] == "0 of 4 fields right."
    assert "Your answer: no category chosen; governing rule: none chosen." in text
    marks = {i.item: i.mark for i in box.last_evaluation.items}
    assert marks["card_holder_name"] == "missed"


def test_re_running_shows_saved_answers_and_saved_feedback(store_file):
    scenario = next(s for s in SCENARIOS if s.id == "license-fee-payments")
    box = make(scenario.id)
    answer_key(box, scenario)
    box.category_dropdowns["card_number"].value = "pii"
    box.check_button.click()
    saved_text = box.last_evaluation.feedback.text()

    again = make(scenario.id)
    assert again.saved is not None and again.saved.feedback == saved_text
    assert again.category_dropdowns["card_number"].value == "pii"
    assert again.rule_dropdowns["card_number"].value == "pci_dss"
    assert again.category_dropdowns["payer_name"].value == "pii"
    assert "Your group's last check" in again.feedback.value
    assert html.escape(saved_text.splitlines()[1]) in again.feedback.value
    static = again._repr_mimebundle_()["text/html"]
    assert "<h3>Feedback</h3>" in static
    assert "Payment card (PCI) data" in static  # the saved answers, in the worksheet columns

    other_group = make(scenario.id, group="Group B")
    assert other_group.saved is None
    assert other_group.category_dropdowns["card_number"].value == ""


def test_empty_group_shows_the_exercise_and_writes_nothing(store_file):
    scenario = SCENARIOS[0]
    box = make(scenario.id, group="")
    answer_key(box, scenario)
    box.check_button.click()
    assert box.last_evaluation.correct is True
    assert "Not saved: this copy has no group name" in box.save_status.value
    assert not store_file.exists()


def test_saved_script_text_is_displayed_escaped(store_file):
    scenario = SCENARIOS[0]
    field = scenario.dataset.fields[0].name
    AnswerStore(store_file).record_answer(
        workshop=WORKSHOP,
        group=GROUP,
        exercise="classify_data",
        scenario=scenario.id,
        answer={field: {"category": SCRIPT, "rule": SCRIPT}, SCRIPT: {"category": "pii"}},
        correct=False,
        score=0.0,
        feedback=f"{SCRIPT}\nsecond line",
    )
    box = make(scenario.id)
    assert box.category_dropdowns[field].value == ""  # not an option: ignored
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in box.feedback.value
    bundle = box._repr_mimebundle_()
    for shown in (box.feedback.value, bundle["text/html"]):
        assert SCRIPT not in shown


def test_scenario_text_is_escaped():
    scenario = ClassifyScenario.model_validate(
        {
            "id": "hostile",
            "title": f"T {SCRIPT}",
            "difficulty": "easy",
            "story": SCRIPT,
            "source": "critical-data-elements",
            "dataset": {
                "name": SCRIPT,
                "fields": [
                    {
                        "name": f"f{SCRIPT}",
                        "description": SCRIPT,
                        "samples": [SCRIPT, "b"],
                        "category": "pii",
                        "rule": None,
                        "explanation": SCRIPT,
                    },
                    {"name": "g", "description": "d", "samples": ["a", "b"], "category": "public"},
                ],
            },
        }
    )
    box = classify_data.build(CT, scenario, on_check=None)
    box.check_button.click()
    everything = [w.value for w in walk(box) if isinstance(w, widgets.HTML)]
    everything.append(box._repr_mimebundle_()["text/html"])
    assert any("&lt;script&gt;" in value for value in everything)
    assert not any(SCRIPT in value for value in everything)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_mimebundle_has_widget_static_html_and_marker(scenario):
    box = make(scenario.id, group="")
    bundle = box._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == box.model_id
    assert bundle[MARKER_MIME] == {
        "exercise": "classify_data",
        "scenario": scenario.id,
        "title": scenario.title,
    }
    static = bundle["text/html"]
    assert html.escape(scenario.title) in static
    assert html.escape(scenario.story) in static
    for f in scenario.dataset.fields:
        assert f"<code>{html.escape(f.name)}</code>" in static
        assert html.escape(f.description) in static
        for sample in f.samples:
            assert html.escape(sample) in static
    assert "<h3>Feedback</h3>" not in static  # nothing answered yet: a blank worksheet
    assert "<script" not in static


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_every_control_has_a_visible_label(scenario):
    box = make(scenario.id, group="")
    controls = [
        w
        for w in walk(box)
        if isinstance(
            w,
            widgets.Dropdown
            | widgets.Button
            | widgets.Checkbox
            | widgets.RadioButtons
            | widgets.Text,
        )
    ]
    assert len(controls) == 2 * len(scenario.dataset.fields) + 1
    for control in controls:
        assert control.description.strip(), control
    names = [box.category_dropdowns[f.name].description for f in scenario.dataset.fields]
    assert names == [f.name for f in scenario.dataset.fields]


def test_exercises_returns_one_box_per_scenario_in_file_order():
    boxes = classify_data.exercises(workshop_id=WORKSHOP, group="")
    assert [b.scenario_id for b in boxes] == IDS
    assert [b.marker["exercise"] for b in boxes] == ["classify_data"] * len(IDS)
    assert "Scenario 1 of" in boxes[0].static_html()


def test_exercise_by_position_and_unknown_id():
    assert classify_data.exercise(2, group="").scenario_id == IDS[1]
    with pytest.raises(InputError, match="unknown scenario 'nope'"):
        classify_data.exercise("nope", group="")


def test_an_unreadable_store_is_reported_not_raised(tmp_path):
    box = classify_data.exercise(
        IDS[0], workshop_id=WORKSHOP, group=GROUP, store_path=str(tmp_path)
    )  # a folder, not a store
    assert "Saved answers could not be read" in box.save_status.value
    box.category_dropdowns[next(iter(box.category_dropdowns))].value = "public"
    box.check_button.click()
    assert box.save_status.value.startswith("<p>✘ Not saved:")


def test_answer_key_lists_every_field_and_the_facilitator_notes():
    key = classify_data.answer_key()
    for scenario in SCENARIOS:
        assert html.escape(scenario.title) in key.data
        assert html.escape(scenario.facilitator_notes) in key.data
        for f in scenario.dataset.fields:
            assert html.escape(f.explanation) in key.data


def test_guide_lists_categories_and_rules():
    guide = classify_data.guide().data
    for cat in CT.categories.values():
        assert html.escape(cat.definition) in guide
    for rule in CT.governing_rules.values():
        assert html.escape(rule.summary) in guide
