"""Each fact corrected against the playbook (issue 14), asserted through the rules and the
widgets a group uses. Every test names the playbook section that supports the fact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.cli import main
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.rules import review_request
from datasharing_workshop.rules.agreements import advise_agreements, situation_from_data
from datasharing_workshop.rules.transfer import advise_transfer, make_transfer
from datasharing_workshop.widgets import choose_agreement, classify_data, transfer_channel

CT = load_catalogue("ct")
EXERCISES = Path(__file__).resolve().parent.parent / "exercises"
KIT = CT.message("basis_kit")
PLAYBOOK = CT.message("basis_playbook")


def scenario(breakout: str, scenario_id: str):
    return next(s for s in load_scenarios(breakout) if s.id == scenario_id)


def feedback(box) -> str:
    box.check_button.click()
    return box.last_evaluation.feedback.text()


# --- 1. E-mail: 20 MB for every recipient (Transferring Data › Open and public data) ------


@pytest.mark.parametrize("recipient", ["agency", "partner", "public"])
def test_a_25mb_public_file_never_goes_by_email_without_the_20mb_warning(recipient):
    advice = advise_transfer(CT, make_transfer(CT, ["public"], "25 MB", recipient))
    email = advice.verdict("email")
    assert not email.allowed
    text = email.reasons[0].text
    assert "over the 20 MB limit" in text
    assert "up to 35 MB works only if both mailboxes allow it" in text
    assert email.reasons[0].section_id == "open-data-channels"


def test_the_road_works_file_is_refused_by_email_in_the_widget():
    box = transfer_channel.exercise("road-works-40mb", group="")
    box.channel_choice.value = "email"
    text = feedback(box)
    assert "40 MB is over the 20 MB limit of E-mail" in text
    assert CT.section("open-data-channels").title in text


# --- 2. Birth dates are PII (Transferring Data › Removing PII and confidential data) -----


def test_pii_for_a_birth_date_is_right():
    sc = scenario("classify_data", "park-visitor-survey")
    for answer in ("pii", "quasi_identifier"):
        box = classify_data.exercise(sc.id, group="")
        for f in sc.dataset.fields:
            box.category_dropdowns[f.name].value = f.category
            box.rule_dropdowns[f.name].value = f.rule or classify_data.NO_RULE
        box.category_dropdowns["birth_date"].value = answer
        feedback(box)
        assert box.last_evaluation.marks["birth_date"] == "right", answer
    explanation = next(f for f in sc.dataset.fields if f.name == "birth_date").explanation
    assert "birthdays" in explanation and "PII" in explanation
    assert "Removing PII" in CT.section("removing-pii").title


# --- 3. P20 WIN: E-MOU plus a DSA per request (Responding › P20 WIN data sharing agreements)


def test_the_five_agency_partnership_takes_the_p20_win_route():
    sc = scenario("choose_agreement", "five-agency-partnership")
    assert sc.expected == ["emou", "dsa"]
    assert "P20 WIN" in sc.facilitator_notes
    assert "Data Sharing Agreement" in sc.facilitator_notes
    for ticked in (["emou", "dsa"], ["emou", "dsa", "dua"]):
        box = choose_agreement.exercise(sc.id, group="")
        for agreement_id, checkbox in box.agreement_checkboxes.items():
            checkbox.value = agreement_id in ticked
        text = feedback(box)
        assert box.last_evaluation.correct, (ticked, text)
    assert "P20 WIN" in text


# --- 4. BAA: HIPAA covered entities and business associates (Responding › BAA) -----------


def test_a_baa_is_for_covered_entities_not_every_agency():
    assert "covered entity" in CT.agreements["baa"].summary
    assert "covered entit" in CT.governing_rules["hipaa"].summary
    # Another agency asking for health data is not a business associate.
    situation = situation_from_data(CT, ["phi"], "agency", frequency="one_off")
    assert "baa" not in advise_agreements(CT, situation).ids


# --- 5. Public means open or approved (Transferring Data › Non-public data) --------------


def test_data_awaiting_approval_is_not_public():
    public = CT.categories["public"]
    assert "approved for release" in public.definition
    assert "waiting for approval is not public" in public.definition
    assert "could publish" not in public.definition
    sc = scenario("classify_data", "grant-budget-draft")
    assert {f.name: f.category for f in sc.dataset.fields}["proposed_amount"] == "confidential"


# --- 6. Minimum cell size: no number in the playbook (Transferring › Aggregating data) ---


def test_the_minimum_cell_size_is_the_workshops_and_agencies_check_their_own():
    rule = CT.jurisdiction.settings.min_cell_size
    assert rule == 5
    text = CT.message("deid_rule", rule=rule, low=5, high=11)
    assert "This workshop hides every count below 5" in text
    assert "gives no number" in text and "check your own agency's rule" in text
    for key, message in CT.messages.items():
        assert "your agency's rule" not in message.replace("your own agency's rule", ""), key
    for sc in load_scenarios("deidentify"):
        numbers = re.findall(r"minimum (?:cell size )?of (\d+)", sc.facilitator_notes)
        assert all(int(n) == rule for n in numbers), sc.id


# --- 7. Wording the playbook uses ---------------------------------------------------------


def test_zip_and_encrypt_is_advice_and_the_purge_is_after_inactivity():
    # Transferring Data › Zipping and encryption; Non-public data ("60 days of inactivity").
    assert CT.steps["zip_encrypt"].source == "zip-and-encrypt"
    assert "must" not in CT.level("confidential").meaning
    assert "advises" in CT.level("confidential").meaning
    assert "60 days of inactivity" in CT.message("channel_purge_days", days=60)
    assert "days of inactivity" in CT.steps["download_in_time"].text
    notes = (EXERCISES.parent / "facilitator_guide" / "feedback_to_playbook.md").read_text()
    assert "60 days of inactivity" in notes and "purged after 60 days" in notes


def test_roles_services_and_authorship_say_what_the_playbook_says():
    # Enabling Data Sharing › Identify who plays each data-related role.
    officer = CT.roles["agency_data_officer"].does
    assert "Chief Data Officer" in officer and "head of the agency" in officer
    assert "advises on which kind of legal agreement" in CT.roles["legal_counsel"].does
    assert "should advise" in CT.message("agreement_counsel")
    # Responding to Data Requests › Enterprise Memorandum of Understanding (E-MOU).
    emou = CT.agreements["emou"].summary
    assert "multiple parties" in emou and "mostly" in emou
    # Appendix A › Steps to use SFTP: who may use the service.
    notes = CT.channels["sftp_web"].notes
    for who in ("executive branch", "constitutional offices", "quasi-public", "business"):
        assert who in notes
    assert "enrolled" in notes
    # Introduction › About the data sharing playbook › Methodology.
    summary = CT.jurisdiction.summary
    assert all(w in summary for w in ("2019", "Office of Early Childhood", "Skylight Digital"))
    assert "maintained and updated by OPM" in summary
    # Safeguarding Data: privacy *and security* policies, not the public privacy policy.
    assert "privacy and security policies" in CT.governing_rules["state_law"].full_name


# --- 9. Answer keys ------------------------------------------------------------------------


def test_the_vendor_needs_a_baa_sow_and_nda_not_a_dua():
    # Responding › BAA, Statement of Work, NDA; a DUA is for a requester's own use.
    sc = scenario("choose_agreement", "claims-system-vendor")
    assert sorted(sc.expected) == ["baa", "nda", "sow"]
    box = choose_agreement.exercise(sc.id, group="")
    for agreement_id, checkbox in box.agreement_checkboxes.items():
        checkbox.value = agreement_id in ("baa", "sow", "nda")
    feedback(box)
    assert box.last_evaluation.correct
    box.agreement_checkboxes["dua"].value = True
    text = feedback(box)
    assert not box.last_evaluation.correct
    assert "✘ Not needed here · DUA / DUL" in text


def test_yearly_for_three_years_is_ongoing_in_the_housing_note():
    # Responding › MOU: "ongoing data transfers that have consistent ... parameters".
    sc = scenario("data_request", "housing-and-health-link")
    assert "so at least a DUA" not in sc.facilitator_notes
    assert "ongoing" in sc.facilitator_notes and "MOU" in sc.facilitator_notes
    situation = situation_from_data(
        CT, ["phi"], "agency", frequency="ongoing", parameters="fixed", parties=2
    )
    assert "mou" in advise_agreements(CT, situation).ids


def test_aggregate_first_then_a_secure_channel_is_accepted_and_praised():
    # Transferring Data › De-identify data as needed; Non-public data.
    box = transfer_channel.exercise("survey-to-university", group="")
    box.channel_choice.value = "sftp_web"
    for step_id, checkbox in box.step_checkboxes.items():
        checkbox.value = step_id in ("deidentify", "setup", "zip_encrypt", "download_in_time")
    text = feedback(box)
    assert box.last_evaluation.correct, text
    assert CT.message("steps_deidentify_first") in text
    assert "Well spotted" in text


def test_a_request_is_complete_only_with_what_chapter_1_asks_for():
    # Preparing a Successful Data Request › Explain your objective; Specify the parameters.
    for sc in load_scenarios("data_request"):
        assert review_request(CT, sc.model_answer).complete, sc.id
        without = {**sc.model_answer, "bias": "", "communication": ""}
        kinds = {i.question_id: i.kind for i in review_request(CT, without).issues}
        assert kinds == {"bias": "missing", "communication": "missing"}
    answer = dict(load_scenarios("data_request")[0].model_answer)
    answer["data"] = "The date each request was made and the date it was met, 2021 to 2024."
    kinds = {i.question_id: i.kind for i in review_request(CT, answer).issues}
    assert kinds == {"data": "must_mention"}  # no filter: who is included?


# --- 8. The playbook's facts and the kit's rules of thumb look different --------------------


def test_every_fact_says_whose_it_is_and_the_kits_own_rules_are_marked():
    entries = [
        *CT.levels,
        *CT.categories.values(),
        *CT.governing_rules.values(),
        *CT.channels.values(),
        *CT.steps.values(),
        *CT.roles.values(),
        *CT.request_questions.values(),
        *(fit for a in CT.agreements.values() for fit in a.fits),
    ]
    assert all(e.basis in ("playbook", "kit") for e in entries)
    assert CT.categories["quasi_identifier"].basis == "kit"
    assert CT.governing_rules["pci_dss"].basis == "kit"
    assert [f.basis for f in CT.agreements["sow"].fits] == ["kit"]
    box = classify_data.exercise("park-visitor-survey", group="")
    box.category_dropdowns[next(iter(box.category_dropdowns))].value = "public"  # not blank
    text = feedback(box)
    assert f"{KIT} home_zip and sex are quasi-identifiers" in text
    assert f"{KIT} Overall this dataset is" in text
    box = transfer_channel.exercise("trail-map-email", group="")
    box.channel_choice.value = "email"
    text = feedback(box)
    assert f"{KIT} The best choice here is" in text
    assert text.count(PLAYBOOK) + text.count(KIT) >= 1


def test_validate_requires_basis(content, capsys):
    path = content / "ct" / "roles.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    basis: playbook\n", "", 1), encoding="utf-8")
    assert main(["validate"]) == 2
    err = capsys.readouterr().err
    assert re.search(r"ct/roles\.yaml:\d+: roles\[0\]\.basis: this field is required", err), err


# --- 13. advise transfer for public data -------------------------------------------------


def test_advise_transfer_for_public_data_says_what_to_do_before_sending(capsys):
    assert main(["advise", "transfer", "--data", "public", "--size", "1MB", "--to", "public"]) == 0
    out = capsys.readouterr().out
    after = out.split("Before sending:\n", 1)[1].splitlines()[0]
    assert after.strip() == CT.message("steps_none")
    portal = out.split("[ALLOWED] Publish on the Connecticut Open Data Portal", 1)[1]
    portal = portal.split("\n\n", 1)[0]
    assert "IT department" not in portal
    assert "publication guidelines" in portal


# --- 8 and 10: what the handouts print, and nothing gives the answer away --------------------


def test_the_printed_answer_key_marks_the_kits_own_rules():
    html = choose_agreement.answer_key_html()
    assert "A rule of thumb for this workshop" in html  # SOW/NDA triggers, E-MOU parties
    assert "The playbook says:" in html


def test_a_scenarios_playbook_link_helps_without_naming_the_answer():
    # Responding to Data Requests: each agreement has its own section; the scenario header
    # links a section that helps the group think, never the one that holds the answer.
    for sc in load_scenarios("choose_agreement"):
        answer_sections = {CT.agreements[a].source for a in sc.expected}
        assert sc.source not in answer_sections, sc.id
    survey = scenario("transfer_channel", "survey-to-university")
    assert survey.source not in ("deidentify", "removing-pii", "aggregating-data")
    budget = scenario("classify_data", "grant-budget-draft")
    assert budget.source != "non-public-channels"


def test_step_labels_state_no_fact_about_the_file():
    # A 200 KB trail map: no label may claim the file is over 5 GB or identifies people.
    box = transfer_channel.exercise("trail-map-email", group="")
    for step_id in CT.steps:
        label = transfer_channel.step_label(CT, step_id, "email")
        assert "the file is" not in label and "this request can be met" not in label, label
    assert set(box.step_checkboxes) == set(CT.steps)
