"""Tests for datasharing_workshop.widgets.transfer_channel, driven like a group would: pick a
channel, tick steps, press Check, read the feedback and the answer store."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import ipywidgets as widgets
import pytest
from helpers.widget_tree import walk

from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.breakouts.transfer_channel import TransferScenario
from datasharing_workshop.content.catalogue import content_root, load_catalogue
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules.transfer import advise_transfer, steps_before_sending
from datasharing_workshop.store import AnswerStore
from datasharing_workshop.widgets import common, transfer_channel
from datasharing_workshop.widgets.common import MARKER_MIME, WIDGET_VIEW_MIME

CT = load_catalogue("ct")
SCENARIOS: list[TransferScenario] = load_scenarios("transfer_channel", "ct")
IDS = [s.id for s in SCENARIOS]
SCRIPT = "<script>alert(1)</script>"
WORKSHOP = "test-workshop"
GROUP = "Group A"


def make(scenario_id: str, group: str = GROUP, jurisdiction: str = "ct") -> common.ExerciseBox:
    return transfer_channel.exercise(
        scenario_id, workshop_id=WORKSHOP, group=group, jurisdiction=jurisdiction
    )


def advice_for(scenario: TransferScenario, catalogue=CT):
    transfer = transfer_channel.scenario_transfer(catalogue, scenario, "standard")
    return transfer, advise_transfer(catalogue, transfer)


def choose(box: common.ExerciseBox, channel: str | None, steps=()) -> None:
    box.channel_choice.value = channel
    for step_id, checkbox in box.step_checkboxes.items():
        checkbox.value = step_id in steps


def best_answer(scenario: TransferScenario, catalogue=CT) -> tuple[str, list[str]]:
    transfer, advice = advice_for(scenario, catalogue)
    best = advice.best.channel.id
    return best, [s.id for s in steps_before_sending(catalogue, transfer, best)]


def test_the_standard_set_covers_the_playbook_cases():
    assert len(SCENARIOS) >= 4
    assert {s.difficulty for s in SCENARIOS} == {"easy", "medium", "tricky"}
    bests = {best_answer(s)[0] for s in SCENARIOS}
    assert bests >= {"email", "onedrive", "sftp_web", "sftp_client"}
    assert any(s.data.dataset for s in SCENARIOS)
    assert any(s.recipient == "partner" for s in SCENARIOS)
    assert any("notify_it" in best_answer(s)[1] for s in SCENARIOS)


# Every scenario is answered right through the widget in tests/test_breakouts_contract.py;
# here one scenario checks what this widget shows and saves.
@pytest.mark.parametrize("scenario", SCENARIOS[:1], ids=IDS[:1])
def test_the_best_channel_and_its_steps_are_right_and_saved(scenario, store_file):
    best, steps = best_answer(scenario)
    if scenario.expected_best:
        assert best == scenario.expected_best
    box = make(scenario.id)
    choose(box, best, steps)
    box.check_button.click()

    evaluation = box.last_evaluation
    text = evaluation.feedback.text()
    n = len(CT.steps)
    assert text.splitlines()[0] == (
        f"Your channel can carry this file. Steps: {n} of {n} right. Well done."
    )
    channel = CT.channels[best]
    assert f"✔ Allowed · {channel.name}:" in text
    assert CT.message("channel_best", channel=channel.name) in text
    transfer, _ = advice_for(scenario)
    for step in steps_before_sending(CT, transfer, best):
        assert f"✔ Right · Step: {step.reason.text}" in text
    assert "✘" not in text
    assert "✔ Allowed" in box.channel_mark.value

    (row,) = AnswerStore(store_file).answers()
    assert (row.workshop, row.group, row.exercise, row.scenario) == (
        WORKSHOP,
        GROUP,
        "transfer_channel",
        scenario.id,
    )
    assert (row.correct, row.score) == (True, 1.0)
    assert row.answer == {"channel": best, "steps": steps}
    assert row.feedback == text


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_a_refused_channel_gives_every_reason_and_the_best_choice(scenario, store_file):
    _, advice = advice_for(scenario)
    refused = next(v for v in advice.verdicts if not v.allowed)
    box = make(scenario.id)
    choose(box, refused.channel.id)
    box.check_button.click()

    text = box.last_evaluation.feedback.text()
    assert text.startswith("Your channel cannot carry this file.")
    line = next(line for line in text.splitlines() if line.startswith("✘ Not allowed"))
    assert line.startswith(f"✘ Not allowed · {refused.channel.name}:")
    for reason in refused.reasons:
        assert reason.text in line
        assert reason.section_title in line
        assert html.escape(reason.section_title) in box.feedback.value
        assert f'href="{reason.url}"' in box.feedback.value
    best = CT.message("channel_best", channel=advice.best.channel.name)
    assert f"ℹ Best choice: {CT.message('basis_kit')} {best}" in text
    for step in advice.best.steps:  # steps judged for the best channel, all missed
        assert f"✘ Missed step · Step: {step.reason.text}" in text

    (row,) = AnswerStore(store_file).answers()
    assert row.correct is False
    assert row.answer == {"channel": refused.channel.id, "steps": []}


def scenario(scenario_id: str) -> TransferScenario:
    return next(s for s in SCENARIOS if s.id == scenario_id)


def test_over_the_web_client_limit_says_so_and_names_the_approved_client():
    box = make("health-claims-3gb")
    choose(box, "sftp_web", ["setup", "zip_encrypt", "download_in_time"])
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert "3 GB is over the 1.5 GB limit of SFTP web client" in text
    assert "above it, use an approved client such as FileZilla or WinSCP" in text
    assert CT.message("channel_best", channel=CT.channels["sftp_client"].name) in text


def test_three_gigabytes_need_no_it_notice_but_the_60_day_purge_is_said():
    best, steps = best_answer(scenario("health-claims-3gb"))
    assert "notify_it" not in steps
    box = make("health-claims-3gb")
    choose(box, best, [*steps, "notify_it"])
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    notice = transfer_channel.step_label(CT, "notify_it", best)
    assert f"✘ Not needed here · Step: {notice}" in text
    assert (
        "✔ Right · Step: The playbook says: Ask the recipient to download the files soon: the "
        "service removes files after 60 days of inactivity." in text
    )
    assert box.last_evaluation.correct is False


def test_six_gigabytes_mean_telling_it_and_a_missed_step_says_so():
    box = make("license-records-6gb")
    choose(box, "sftp_client", ["setup", "zip_encrypt", "download_in_time"])
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert (
        "✘ Missed step · Step: The playbook says: Tell your IT department (or the delegated "
        "admin, the person given administrator rights to the service at your agency) before "
        "uploading a file over 5 GB."
    ) in text
    assert CT.section("non-public-channels").title in text
    assert box.last_evaluation.score == pytest.approx(5 / 6, abs=1e-4)


def test_forty_megabytes_are_too_big_for_e_mail():
    box = make("road-works-40mb")
    choose(box, "email")
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    assert "40 MB is over the 20 MB limit of E-mail" in text
    assert "up to 35 MB works only if both mailboxes allow it" in text
    assert CT.message("channel_best", channel=CT.channels["onedrive"].name) in text


def test_small_confidential_file_by_e_mail_is_refused_for_not_being_public():
    box = make("budget-draft-to-agency")
    choose(box, "email")
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    refused = CT.message(
        "channel_level_refused",
        channel="E-mail",
        allowed="public",
        level="confidential (not public)",
        categories="Confidential",
    )
    assert refused in text
    assert "Data that is not open to the public should travel by a secure channel." in text


def test_public_data_needs_no_zipping():
    box = make("trail-map-email")
    choose(box, "email", ["zip_encrypt"])
    box.check_button.click()
    text = box.last_evaluation.feedback.text()
    zipping = CT.steps["zip_encrypt"].text
    assert f"✘ Not needed here · Step: {zipping}" in text
    assert "✘ Not needed here" in box.step_marks["zip_encrypt"].value


def test_deidentifiable_request_asks_to_remove_identifying_fields_first():
    best, steps = best_answer(scenario("survey-to-university"))
    assert best == "sftp_web" and steps[0] == "deidentify"
    box = make("survey-to-university")
    choose(box, best, steps[1:])
    box.check_button.click()
    lead = CT.message("basis_playbook")
    assert f"✘ Missed step · Step: {lead} {CT.steps['deidentify'].text}" in (
        box.last_evaluation.feedback.text()
    )


def test_no_channel_chosen_asks_for_an_answer_and_reveals_nothing():
    box = make("trail-map-email")
    box.check_button.click()
    assert box.last_evaluation.blank
    assert box.last_evaluation.answer == {"channel": "", "steps": []}
    assert "Choose an answer first" in box.feedback.value
    assert CT.channels["email"].short not in box.feedback.value  # the best channel stays hidden
    assert box.save_status.value == ""


def test_dataset_scenarios_list_the_fields_of_the_breakout_1_dataset():
    classify = {s.id: s for s in load_scenarios("classify_data", "ct")}
    for sc in (s for s in SCENARIOS if s.data.dataset):
        static = make(sc.id, group="")._repr_mimebundle_()["text/html"]
        dataset = classify[sc.data.dataset].dataset
        assert html.escape(dataset.name) in static
        for f in dataset.fields:
            assert f"<code>{html.escape(f.name)}</code>" in static


def test_re_running_shows_saved_channel_steps_and_feedback(store_file):
    box = make("license-records-6gb")
    choose(box, "sftp_client", ["zip_encrypt", "notify_it"])
    box.check_button.click()
    saved_text = box.last_evaluation.feedback.text()

    again = make("license-records-6gb")
    assert again.saved is not None and again.saved.feedback == saved_text
    assert again.channel_choice.value == "sftp_client"
    assert {s for s, c in again.step_checkboxes.items() if c.value} == {"zip_encrypt", "notify_it"}
    assert html.escape(saved_text.splitlines()[0]) in again.feedback.value
    static = again._repr_mimebundle_()["text/html"]
    assert f"● {html.escape(CT.channels['sftp_client'].name)} (your choice)" in static
    assert "☑ Zip the files" in static


def test_empty_group_shows_the_exercise_and_writes_nothing(store_file):
    best, steps = best_answer(SCENARIOS[0])
    box = make(SCENARIOS[0].id, group="")
    choose(box, best, steps)
    box.check_button.click()
    assert box.last_evaluation.correct is True
    assert "Not saved: this copy has no group name" in box.save_status.value
    assert not store_file.exists()


def test_saved_script_text_is_displayed_escaped(store_file):
    AnswerStore(store_file).record_answer(
        workshop=WORKSHOP,
        group=GROUP,
        exercise="transfer_channel",
        scenario=IDS[0],
        answer={"channel": SCRIPT, "steps": [SCRIPT, "zip_encrypt"]},
        correct=False,
        score=0.0,
        feedback=SCRIPT,
    )
    box = make(IDS[0])
    assert box.channel_choice.value is None
    assert box.step_checkboxes["zip_encrypt"].value is True
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in box.feedback.value
    for shown in (box.feedback.value, box._repr_mimebundle_()["text/html"]):
        assert SCRIPT not in shown


def test_scenario_text_is_escaped():
    hostile = TransferScenario.model_validate(
        {
            "id": "hostile",
            "title": SCRIPT,
            "difficulty": "easy",
            "story": SCRIPT,
            "source": "sft-service",
            "data": {"categories": ["phi"]},
            "size": "1 MB",
            "recipient": "agency",
        }
    )
    transfer = transfer_channel.scenario_transfer(CT, hostile, "standard")
    box = transfer_channel.build(CT, hostile, transfer)
    box.check_button.click()
    shown = [w.value for w in walk(box) if isinstance(w, widgets.HTML)]
    shown.append(box._repr_mimebundle_()["text/html"])
    assert any("&lt;script&gt;" in value for value in shown)
    assert not any(SCRIPT in value for value in shown)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=IDS)
def test_mimebundle_has_widget_static_html_and_marker(scenario):
    box = make(scenario.id, group="")
    bundle = box._repr_mimebundle_()
    assert bundle[WIDGET_VIEW_MIME]["model_id"] == box.model_id
    assert bundle[MARKER_MIME] == {
        "exercise": "transfer_channel",
        "scenario": scenario.id,
        "title": scenario.title,
    }
    static = bundle["text/html"]
    assert html.escape(scenario.title) in static
    assert html.escape(scenario.story) in static
    assert f"<td>{html.escape(scenario.size)}</td>" in static
    assert html.escape(CT.recipients[scenario.recipient].label) in static
    for channel in CT.channels.values():
        assert f"○ {html.escape(channel.name)}" in static
    assert "<h3>Feedback</h3>" not in static
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
    assert len(controls) == 1 + len(CT.steps) + 1
    for control in controls:
        assert control.description.strip(), control
    assert box.channel_choice.options == tuple((c.name, c.id) for c in CT.channels.values())


def test_step_labels_follow_the_chosen_channel_and_read_as_sentences():
    box = make("trail-map-email", group="")
    for checkbox in box.step_checkboxes.values():
        assert "{" not in checkbox.description and checkbox.description.strip()
    # Without a purging channel chosen, the label borrows the SFT service's 60 days.
    assert "60 days" in box.step_checkboxes["download_in_time"].description


def test_exercises_returns_one_box_per_scenario_in_file_order():
    boxes = transfer_channel.exercises(workshop_id=WORKSHOP, group="")
    assert [b.scenario_id for b in boxes] == IDS
    with pytest.raises(InputError, match="out of range"):
        transfer_channel.exercise(len(IDS) + 1, group="")


def test_answer_key_shows_each_verdict_and_the_notes():
    key = transfer_channel.answer_key().data
    for sc in SCENARIOS:
        assert html.escape(sc.title) in key
        assert html.escape(sc.facilitator_notes) in key
        _, advice = advice_for(sc)
        assert f"{transfer_channel.ALLOWED_MARK} (best)" in key
        for step in advice.best.steps:
            assert html.escape(step.text) in key


def test_guide_lists_every_channel_with_its_limits():
    guide = transfer_channel.guide().data
    for channel in CT.channels.values():
        assert html.escape(channel.name) in guide
    assert "Files are removed after 60 days of inactivity." in guide
    assert "Tell IT before sending more than 5 GB." in guide


@pytest.fixture
def example_content(tmp_path, monkeypatch) -> Path:
    """A copy of the content where the invented Example State reuses CT's scenarios."""
    root = tmp_path / "exercises"
    shutil.copytree(content_root(), root)
    scenarios = root / "example" / "scenarios" / "standard"
    scenarios.mkdir(parents=True)
    for name in ("classify_data.yaml", "transfer_channel.yaml"):
        text = (root / "ct" / "scenarios" / "standard" / name).read_text(encoding="utf-8")
        # Example State's channels differ, so CT's pinned answers do not apply there.
        text = "\n".join(
            line for line in text.splitlines() if not line.strip().startswith("expected_best:")
        )
        (scenarios / name).write_text(text + "\n", encoding="utf-8")
    monkeypatch.setenv("DATASHARING_WORKSHOP_CONTENT", str(root))
    return root


def test_another_jurisdictions_channels_and_limits_are_used(example_content):
    example = load_catalogue("example")
    sc = scenario("health-claims-3gb")
    best, steps = best_answer(sc, example)
    assert best == "mft_scripted"  # over the invented portal's 2 GB
    box = make(sc.id, jurisdiction="example")
    assert [c for _, c in box.channel_choice.options] == list(example.channels)
    choose(box, "mft_portal")
    box.check_button.click()
    assert "3 GB is over the 2 GB limit of MFT portal (the portal's upload limit)." in (
        box.last_evaluation.feedback.text()
    )
    choose(box, best, steps)
    assert "30 days; MFT scripted upload deletes" in (
        box.step_checkboxes["download_in_time"].description
    )
    box.check_button.click()
    assert box.last_evaluation.correct is True
