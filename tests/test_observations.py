"""The observation form: saving notes, checking them, and the printable version."""

from __future__ import annotations

import pytest

from datasharing_workshop.errors import ContentError, InputError
from datasharing_workshop.plenary.observations import (
    MAX_TEXT_LENGTH,
    load_form,
    observation_form,
    printable_form,
    save_observation,
)
from datasharing_workshop.store import SEVERITIES, AnswerStore


@pytest.fixture
def store(tmp_path):
    with AnswerStore(tmp_path / "answers.sqlite") as s:
        yield s


def note(**changes):
    values = {
        "workshop": "w1",
        "author_role": "observer",
        "playbook_section": "data-roles",
        "severity": "medium",
        "group": "Group A",
        "confused": "Owner and steward were mixed up.",
    }
    values.update(changes)
    return values


def test_form_severities_are_the_stores():
    assert sorted(s.id for s in load_form().severities) == sorted(SEVERITIES)


def test_save_observation_strips_text_and_returns_the_saved_note(store):
    saved = save_observation(store, **note(worked="  The roles table.  "))
    assert saved.worked == "The roles table."
    assert store.observations("w1") == [saved]


def test_a_general_note_has_no_section(store):
    assert save_observation(store, **note(playbook_section="")).playbook_section == ""


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"author_role": "spy"}, "unknown author role 'spy'"),
        ({"severity": "urgent"}, "choose how serious it is"),
        ({"playbook_section": "chapter-9"}, "unknown playbook section 'chapter-9' for Connecticut"),
        ({"confused": "   "}, "write something in at least one box"),
        ({"suggestion": "x" * (MAX_TEXT_LENGTH + 1)}, "Suggested change' is 4001 characters"),
        ({"worked": 3}, "worked must be text"),
    ],
)
def test_bad_notes_are_refused_with_a_sentence(store, changes, message):
    with pytest.raises(InputError, match=message):
        save_observation(store, **note(**changes))
    assert store.observations("w1") == []


def test_the_form_saves_a_note_and_clears_the_text(tmp_path):
    form = observation_form("w1", group="Group B", store_path=str(tmp_path / "a.sqlite"))
    form.section.value = "non-public-channels"
    form.severity.value = "high"
    form.confused.value = "They read the 1.5 GB limit as applying to every tool."
    form.suggestion.value = "Split the table row."
    form.save.click()
    assert "<strong>Saved.</strong>" in form.status.value
    assert "Non-public data" in form.status.value
    (saved,) = form.store.observations("w1")
    assert (saved.group, saved.author_role, saved.severity) == ("Group B", "observer", "high")
    assert saved.suggestion == "Split the table row."
    assert form.confused.value == "" and form.severity.value is None
    assert form.section.value == "non-public-channels"  # kept for the next note


def test_the_form_asks_for_a_section_and_a_severity_first(tmp_path):
    path = tmp_path / "a.sqlite"
    form = observation_form("w1", store_path=str(path), author_role="participant")
    assert form.role.value == "participant"
    form.confused.value = "Something"
    form.save.click()
    assert "Choose the playbook section" in form.status.value
    form.section.value = "metadata"
    form.save.click()
    assert "Choose how serious" in form.status.value
    assert not path.exists()


def test_the_form_reports_a_refused_note_in_its_status(tmp_path):
    form = observation_form("w1", store_path=str(tmp_path / "a.sqlite"))
    form.section.value = "metadata"
    form.severity.value = "low"
    form.save.click()
    assert "<strong>Not saved.</strong> Write something" in form.status.value


def test_the_form_has_a_printable_version_for_handouts(ct):
    bundle = observation_form("w1")._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    html = bundle["text/html"]
    assert "<h4>Observation form</h4>" in html
    for section in ct.jurisdiction.sections:
        assert section.id in html
    assert html == printable_form("ct")


def test_severities_other_than_the_stores_are_refused(content):
    path = content / "workshop" / "observations.yaml"
    path.write_text(path.read_text().replace("  - id: high\n", "  - id: urgent\n"))
    with pytest.raises(
        ContentError, match="severities: the severities must be exactly low, medium, high"
    ):
        load_form()
