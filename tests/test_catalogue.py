"""The shipped catalogues load, and every fact in them is traced to a playbook section."""

from __future__ import annotations

from pathlib import Path

import pytest

from datasharing_workshop.content.catalogue import available_jurisdictions, load_catalogue

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference/ct-data-sharing-playbook"


def test_shipped_jurisdictions():
    assert {"ct", "example"} <= set(available_jurisdictions())


def test_connecticut_holds_the_playbook_facts(ct):
    assert ct.jurisdiction.example is False
    assert {
        "public",
        "confidential",
        "pii",
        "phi",
        "pci",
        "education_record",
        "quasi_identifier",
    } <= set(ct.categories)
    for sub in ("phi", "pci", "education_record"):
        assert ct.categories[sub].parent == "pii"
    assert ct.categories["quasi_identifier"].combination.counts_as == "pii"
    assert {r.id: r.covers for r in ct.governing_rules.values()}["hipaa"] == ["phi"]
    assert ct.governing_rules["ferpa"].covers == ["education_record"]
    assert ct.governing_rules["pci_dss"].covers == ["pci"]

    email = ct.channels["email"]
    limits = {tuple(lim.recipients or ()): lim.max_size.max_bytes for lim in email.limits}
    # Transferring Data › Open and public data: 20 MB is safe for every recipient; the
    # 35 MB is only mentioned in the note (it works only if both mailboxes allow it).
    assert list(limits.values()) == [20_000_000]
    assert "35 MB" in email.limits[0].note
    assert ct.channels["onedrive"].limits[0].max_size.max_bytes == 100 * 10**9
    web, client = ct.channels["sftp_web"], ct.channels["sftp_client"]
    assert web.limits[0].max_size.max_bytes == 1_500_000_000
    assert client.limits[0].max_size.kind == "unlimited"
    assert web.notify_it_over.max_bytes == client.notify_it_over.max_bytes == 5 * 10**9
    assert web.retention_days == client.retention_days == 60
    assert "SFT liaison" in web.setup
    for public_only in ("email", "onedrive", "network_drive", "external_device"):
        assert ct.channels[public_only].max_level == "public"
        assert not ct.channels[public_only].secure
    assert ct.channels["encrypted_drive"].secure
    assert {"mou", "dua", "emou", "dsa", "baa", "sow", "nda", "none_open_data"} == set(
        ct.agreements
    )
    assert ct.works_together[0].agreements == ["emou", "dsa", "dua"]
    assert set(ct.roles) == {
        "agency_data_officer",
        "data_owner",
        "data_steward",
        "legal_counsel",
        "privacy_compliance_officer",
    }
    # The request form's 9 questions (Enabling Data Sharing › Develop a data request
    # process › Request form) and 4 more that chapter 1 asks requesters to explain.
    assert len(ct.request_questions) == 13
    assert {"bias", "safeguards", "timeline", "communication"} <= set(ct.request_questions)


def test_every_entry_cites_a_section_on_a_real_playbook_page(ct):
    pages = {s.id: s.page for s in ct.jurisdiction.sections}
    cited = [
        *(e.source for e in ct.categories.values()),
        *(e.source for e in ct.governing_rules.values()),
        *(e.source for e in ct.channels.values()),
        *(e.source for e in ct.steps.values()),
        *(e.source for e in ct.agreements.values()),
        *(e.source for e in ct.roles.values()),
        *(e.source for e in ct.request_questions.values()),
        *(lv.source for lv in ct.levels),
    ]
    assert cited and set(cited) <= set(pages)
    if REFERENCE.is_dir():  # the shared reference sits beside the repository in CI
        for section in ct.jurisdiction.sections:
            assert (REFERENCE / section.page).is_file(), section.id


def test_example_jurisdiction_is_labelled_and_differs(ct):
    ex = load_catalogue("example")
    assert ex.jurisdiction.example is True
    assert "invented" in ex.jurisdiction.name.lower()
    assert set(ex.channels) != set(ct.channels)
    # It reuses Connecticut's categories through `extends`.
    assert ex.categories == ct.categories
    assert ex.jurisdiction.settings.min_cell_size != ct.jurisdiction.settings.min_cell_size


def test_catalogue_is_read_only(ct):
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError on frozen
        ct.channels["email"].secure = True  # type: ignore[misc]


def test_edited_file_is_picked_up_without_restart(content):
    first = load_catalogue("ct")
    path = content / "ct" / "channels.yaml"
    path.write_text(path.read_text().replace("max_size: 100 GB", "max_size: 250 GB"))
    import os

    os.utime(path, ns=(1, 1))  # a different mtime even on coarse clocks
    second = load_catalogue("ct")
    assert first.channels["onedrive"].limits[0].max_size.max_bytes == 100 * 10**9
    assert second.channels["onedrive"].limits[0].max_size.max_bytes == 250 * 10**9
