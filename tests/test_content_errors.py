"""Every kind of bad content gives one clear message: file, line, field, what was expected.

Each case breaks one thing in a private copy of exercises/ (see the ``content`` fixture)
and asserts the message a facilitator would read.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from datasharing_workshop.breakouts.scenarios import validate_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.errors import ContentError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scenarios"

# (id, file under exercises/, text to replace, replacement, expected "file:line: field: msg")
CASES = [
    (
        "yaml_syntax",
        "ct/roles.yaml",
        "  - id: data_steward\n",
        "  - id: [data_steward\n",
        r"ct/roles\.yaml:\d+: YAML syntax error",
    ),
    (
        "unknown_field",
        "ct/channels.yaml",
        "    max_level: regulated\n    recipients: [agency, partner]\n    limits:\n      - max_size: 1.5 GB",
        "    max_levle: regulated\n    recipients: [agency, partner]\n    limits:\n      - max_size: 1.5 GB",
        r"ct/channels\.yaml:\d+: channels\[5\]\.max_levle: unknown field",
    ),
    (
        "missing_field",
        "ct/channels.yaml",
        "    max_level: regulated\n    recipients: [agency, partner]\n    limits:\n      - max_size: 1.5 GB",
        "    recipients: [agency, partner]\n    limits:\n      - max_size: 1.5 GB",
        r"ct/channels\.yaml:\d+: channels\[5\]\.max_level: this field is required but missing",
    ),
    (
        "missing_source",
        "ct/roles.yaml",
        "    source: data-roles\n    basis: playbook\n  - id: data_owner",
        "    basis: playbook\n  - id: data_owner",
        r"ct/roles\.yaml:\d+: roles\[0\]\.source: this field is required but missing",
    ),
    (
        "unknown_source",
        "ct/agreements.yaml",
        "source: agreement-nda",
        "source: agreement-xyz",
        r"ct/agreements\.yaml:\d+: agreements\[7\]\.source: unknown playbook section "
        r"'agreement-xyz'; expected one of: design-questions",
    ),
    (
        "duplicate_id",
        "ct/roles.yaml",
        "id: data_steward",
        "id: data_owner",
        r"ct/roles\.yaml:\d+: roles\[2\]\.id: duplicate id 'data_owner' \(also used by roles\[1\]\)",
    ),
    (
        "duplicate_key",
        "ct/channels.yaml",
        "    short: E-mail\n",
        "    short: E-mail\n    short: Mail\n",
        r"ct/channels\.yaml:\d+: channels\[1\]\.short: the key 'short' appears twice",
    ),
    (
        "unknown_category",
        "ct/governing_rules.yaml",
        "covers: [phi]",
        "covers: [phx]",
        r"ct/governing_rules\.yaml:\d+: governing_rules\[0\]\.covers\[0\]: unknown category 'phx'; "
        r"expected one of: public, confidential, pii",
    ),
    (
        "unknown_level",
        "ct/categories.yaml",
        "    level: regulated\n    parent: pii\n",
        "    level: top_secret\n    parent: pii\n",
        r"ct/categories\.yaml:\d+: categories\[3\]\.level: unknown sensitivity level 'top_secret'",
    ),
    (
        "negative_size",
        "ct/channels.yaml",
        "max_size: 100 GB",
        "max_size: -5 GB",
        r"ct/channels\.yaml:\d+: channels\[2\]\.limits\[0\]\.max_size: a size cannot be negative",
    ),
    (
        "unparsable_size",
        "ct/channels.yaml",
        "max_size: 1.5 GB",
        "max_size: one and a half gigs",
        r"ct/channels\.yaml:\d+: channels\[5\]\.limits\[0\]\.max_size: expected a size such as "
        r"40 MB.*'unlimited' or 'varies'",
    ),
    (
        "unknown_recipient",
        "ct/channels.yaml",
        "recipients: [agency]\n    limits:",
        "recipients: [agencies]\n    limits:",
        r"ct/channels\.yaml:\d+: channels\[3\]\.recipients\[0\]: unknown recipient 'agencies'",
    ),
    (
        "wrong_type",
        "ct/channels.yaml",
        "    secure: false\n    max_level: public\n    recipients: [public]",
        "    secure: maybe\n    max_level: public\n    recipients: [public]",
        r"ct/channels\.yaml:\d+: channels\[0\]\.secure: input should be a valid boolean",
    ),
    (
        "unknown_situation_field",
        "ct/agreements.yaml",
        "when: {requester: contractor}",
        "when: {requestor: contractor}",
        r"ct/agreements\.yaml:\d+: agreements\[6\]\.fits\[0\]\.when\.requestor: unknown situation "
        r"field 'requestor'",
    ),
    (
        "bad_condition_value",
        "ct/agreements.yaml",
        "when: {data_public: false, frequency: one_off, requester",
        "when: {data_public: false, frequency: once, requester",
        r"ct/agreements\.yaml:\d+: agreements\[2\]\.fits\[0\]\.when\.frequency: unknown value "
        r"'once'; expected one of: one_off, ongoing",
    ),
    (
        "unknown_agreement",
        "ct/agreements.yaml",
        "works_with: [dsa, dua]",
        "works_with: [dsa, dua, xyz]",
        r"ct/agreements\.yaml:\d+: agreements\[3\]\.works_with\[2\]: unknown agreement 'xyz'",
    ),
    (
        "bad_regex",
        "ct/request_form.yaml",
        "'\\b(once|",
        "'(once|(",
        r"ct/request_form\.yaml:\d+: questions\[7\]\.must_mention\[0\]\.patterns\[0\]: not a valid "
        r"regular expression",
    ),
    (
        "missing_message",
        "messages.yaml",
        '  channel_best: "The best choice here is {channel}."\n',
        "",
        r"messages\.yaml:\d+: messages: missing message 'channel_best'",
    ),
    (
        "unknown_placeholder",
        "messages.yaml",
        "{channel} cannot reach {recipient}.",
        "{channel} cannot reach {recipeint}.",
        r"messages\.yaml:\d+: messages\.channel_recipient_refused: unknown placeholder \{recipeint\}",
    ),
    (
        "bad_step_placeholder",
        "ct/channels.yaml",
        "a file over {threshold}.",
        "a file over {limit}.",
        r"ct/channels\.yaml:\d+: steps\[3\]\.text: unknown placeholder \{limit\}",
    ),
    (
        "unknown_step_condition",
        "ct/channels.yaml",
        "applies_when: non_public",
        "applies_when: always",
        r"ct/channels\.yaml:\d+: steps\[2\]\.applies_when: input should be 'deidentifiable'",
    ),
    (
        "bad_extends",
        "example/jurisdiction.yaml",
        "\nextends: ct",
        "\nextends: xx",
        r"example/jurisdiction\.yaml:\d+: extends: unknown jurisdiction 'xx'; expected one of: ct",
    ),
    (
        "quasi_threshold_too_low",
        "ct/jurisdiction.yaml",
        "quasi_identifiers_together: 2",
        "quasi_identifiers_together: 1",
        r"ct/jurisdiction\.yaml:\d+: settings\.quasi_identifiers_together: input should be "
        r"greater than or equal to 2",
    ),
]


def _jurisdiction(relative: str) -> str:
    return "example" if relative.startswith("example/") else "ct"


@pytest.mark.parametrize(
    ("relative", "old", "new", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_catalogue_content(content, relative, old, new, expected):
    path = content / relative
    text = path.read_text()
    assert old in text, f"test case out of date: {old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ContentError) as caught:
        load_catalogue(_jurisdiction(relative))
    message = str(caught.value)
    assert re.search(expected, message), message
    assert "Traceback" not in message


def test_every_problem_is_reported_not_only_the_first(content):
    path = content / "ct" / "channels.yaml"
    text = path.read_text().replace("max_size: 100 GB", "max_size: -1 GB")
    path.write_text(text.replace("max_level: regulated", "max_level: secret"))
    with pytest.raises(ContentError) as caught:
        load_catalogue("ct")
    assert len(caught.value.problems) == 1  # pydantic fails first: the size
    path.write_text(path.read_text().replace("max_size: -1 GB", "max_size: 1 GB"))
    with pytest.raises(ContentError) as caught:
        load_catalogue("ct")
    # The three secure channels name the unknown level; all three are reported at once.
    assert [p.field for p in caught.value.problems] == [
        "channels[5].max_level",
        "channels[6].max_level",
        "channels[7].max_level",
    ]
    assert caught.value.problems[0].line is not None


def test_missing_file(content):
    (content / "ct" / "roles.yaml").unlink()
    with pytest.raises(
        ContentError,
        match=r"ct/roles\.yaml: missing: every catalogue needs "
        r"roles\.yaml",
    ):
        load_catalogue("ct")


def test_empty_file(content):
    (content / "ct" / "categories.yaml").write_text("# nothing yet\n")
    with pytest.raises(
        ContentError,
        match=r"categories\.yaml: the file is empty; expected a YAML "
        "mapping",
    ):
        load_catalogue("ct")


def test_top_level_list_instead_of_mapping(content):
    (content / "ct" / "roles.yaml").write_text("- one\n- two\n")
    with pytest.raises(ContentError, match=r"roles\.yaml:1: expected a YAML mapping"):
        load_catalogue("ct")


def test_impossible_date(content):
    # A date the model expects (as_of) is read from the text written; 2025-02-30 is refused
    # with its line rather than crashing PyYAML's own date conversion.
    path = content / "ct" / "scenarios" / "standard" / "deidentify.yaml"
    text = path.read_text()
    path.write_text(text.replace("as_of: 2024-07-01", "as_of: 2025-02-30", 1))
    line = text[: text.index("as_of: 2024-07-01")].count("\n") + 1
    _, problems = validate_scenarios(load_catalogue("ct"))
    messages = "\n".join(str(p) for p in problems)
    assert re.search(
        rf"deidentify\.yaml:{line}: scenarios\[0\]\.as_of: .*day value is outside expected "
        r"range, got '2025-02-30'",
        messages,
    ), messages


def test_unknown_jurisdiction(content):
    with pytest.raises(
        ContentError,
        match=r"no catalogue folder for jurisdiction 'nowhere'.*"
        r"expected one of: ct, example",
    ):
        load_catalogue("nowhere")


# --- scenario files: one fixture folder per failure -------------------------------------------

SCENARIO_CASES = {
    "unknown_channel": r"transfer_channel\.yaml:\d+: scenarios\[0\]\.expected_best: unknown "
    r"channel 'carrier_pigeon'; expected one of: open_data_portal, email",
    "unknown_scenario_category": r"classify_data\.yaml:\d+: scenarios\[0\]\.dataset\.fields\[1\]"
    r"\.category: unknown category 'medical'",
    "real_looking_ssn": r"classify_data\.yaml:\d+: scenarios\[0\]\.dataset\.fields\[0\]\.samples: "
    r"sample '123-45-6789' looks like a real Social Security number",
    "duplicate_scenario_id": r"classify_data\.yaml:\d+: scenarios\[1\]\.id: duplicate id "
    r"'clinic'",
    "rule_does_not_cover": r"classify_data\.yaml:\d+: scenarios\[0\]\.dataset\.fields\[1\]\.rule: "
    r"rule 'ferpa' does not cover category 'phi'",
    "expected_best_disagrees": r"transfer_channel\.yaml:\d+: scenarios\[0\]\.expected_best: the "
    r"rules pick 'sftp_client' for this scenario, not 'sftp_web'",
    "bad_scenario_size": r"transfer_channel\.yaml:\d+: scenarios\[0\]\.size: a size cannot be "
    r"negative",
    "unknown_dataset": r"transfer_channel\.yaml:\d+: scenarios\[0\]\.data\.dataset: no "
    r"classify_data scenario 'ghost'",
    "unknown_breakout_file": r"picnic_planning\.yaml: unknown breakout 'picnic_planning'",
    # Breakout 3: choosing the agreement
    "agreement_expected_disagrees": r"choose_agreement\.yaml:\d+: scenarios\[0\]\.expected: the "
    r"rules pick \[dua\] for this scenario, not \[mou\]",
    "unknown_requester": r"choose_agreement\.yaml:\d+: scenarios\[0\]\.situation\.requester: "
    r"unknown requester 'alien'; expected one of: agency, researcher",
    "contractor_phi_without_phi": r"choose_agreement\.yaml:\d+: scenarios\[0\]\.situation\."
    r"contractor_handles_phi: a contractor handles health information, but no category of the "
    r"data is PHI",
    # Breakout 4: preparing a data request
    "request_unknown_question": r"data_request\.yaml:\d+: scenarios\[0\]\.draft\.favourite_colour: "
    r"unknown request question 'favourite_colour'; expected one of: requester, purpose",
    "request_expected_issues_disagree": r"data_request\.yaml:\d+: scenarios\[0\]\.expected_issues: "
    r"the check finds these issues in the draft: .*data: vague",
    "request_model_answer_fails": r"data_request\.yaml:\d+: scenarios\[0\]\.model_answer\."
    r"retention: fails the check: .*\"as long as needed\" is too vague",
    # Breakout 5: de-identifying and aggregating
    "deidentify_unknown_column": r"deidentify\.yaml:\d+: scenarios\[0\]\.fields\[0\]\.name: "
    r"unknown people\.csv column 'shoe_size'; expected one of: id, name, birth_date",
    "deidentify_option_does_not_fit": r"deidentify\.yaml:\d+: scenarios\[0\]\.fields\[0\]\."
    r"options\[1\]: 'county' needs ZIP codes listed in places\.csv",
    "deidentify_missing_csv": r"deidentify\.yaml:\d+: scenarios\[0\]\.data: nobody\.csv: missing "
    r"data file",
    "deidentify_answer_not_an_option": r"deidentify\.yaml:\d+: scenarios\[0\]\.fields\[0\]\."
    r"answer\[0\]: 'town' is not one of this field's options \(keep, county, drop\)",
    "deidentify_data_outside_folder": r"deidentify\.yaml:\d+: scenarios\[0\]\.data: expected the "
    r"name of a CSV file in exercises/data, such as people\.csv, not '\.\./ct/agreements\.csv'",
    "deidentify_nobody_matches": r"deidentify\.yaml:\d+: scenarios\[0\]\.only\.program: no one "
    r"in people\.csv has program 'Knitting club'",
}


@pytest.mark.parametrize("case", sorted(SCENARIO_CASES))
def test_bad_scenario_file(content, case):
    target = content / "ct" / "scenarios" / "broken"
    shutil.copytree(FIXTURES / case, target)
    _, problems = validate_scenarios(load_catalogue("ct"))
    messages = "\n".join(str(p) for p in problems)
    assert re.search(SCENARIO_CASES[case], messages), messages
