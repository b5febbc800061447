"""Channel rules, checked against the playbook's own facts (Transferring Data)."""

from __future__ import annotations

import pytest

from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules import advise_transfer, check_channel, make_transfer


def advise(cat, data, size, to, **kw):
    return advise_transfer(cat, make_transfer(cat, data, size, to, **kw))


def step_ids(verdict):
    return [s.id for s in verdict.steps]


def test_3gb_phi_to_agency_needs_an_approved_client_without_it_notice(ct):
    advice = advise(ct, ["phi"], "3GB", "agency")
    web = advice.verdict("sftp_web")
    assert not web.allowed
    assert "3 GB is over the 1.5 GB limit of SFTP web client" in web.reasons[0].text
    assert web.reasons[0].section_id == "non-public-channels"
    client = advice.verdict("sftp_client")
    assert client.allowed
    assert advice.best.channel.id == "sftp_client"
    assert "notify_it" not in step_ids(client)
    assert {"zip_encrypt", "setup", "download_in_time"} <= set(step_ids(client))


def test_6gb_phi_means_it_must_be_told(ct):
    best = advise(ct, ["phi"], "6GB", "agency").best
    assert best.channel.id == "sftp_client"
    notify = next(s for s in best.steps if s.id == "notify_it")
    assert "over 5 GB" in notify.text
    assert notify.reason.section_id == "non-public-channels"


def test_exactly_5gb_needs_no_notice(ct):
    # The playbook says "more than 5GB".
    assert "notify_it" not in step_ids(advise(ct, ["phi"], "5GB", "agency").best)


@pytest.mark.parametrize("size", ["1KB", "10MB", "30GB"])
def test_phi_by_email_is_refused_as_not_secure_whatever_the_size(ct, size):
    verdict = advise(ct, ["phi"], size, "agency").verdict("email")
    assert not verdict.allowed
    assert "is only for public data" in verdict.reasons[0].text
    assert "PHI" in verdict.reasons[0].text
    assert "secure channel" in verdict.reasons[0].text


def test_every_reason_is_listed_not_only_the_first(ct):
    verdict = advise(ct, ["phi"], "3GB", "agency").verdict("email")
    texts = " ".join(r.text for r in verdict.reasons)
    assert "only for public data" in texts and "over the 20 MB limit" in texts


def test_40mb_open_data_by_email_is_refused_for_size_and_onedrive_is_allowed(ct):
    advice = advise(ct, ["public"], "40MB", "agency")
    email = advice.verdict("email")
    assert not email.allowed
    assert [r.text for r in email.reasons] == [
        "The playbook says: 40 MB is over the 20 MB limit of E-mail (any recipient's mailbox "
        "may refuse more than 20 MB; up to 35 MB works only if both mailboxes allow it)."
    ]
    assert advice.verdict("onedrive").allowed
    assert advice.best.channel.id == "onedrive"
    assert step_ids(advice.best) == []  # public data: no zip-and-encrypt


def test_email_uses_the_20mb_limit_for_every_recipient(ct):
    # Transferring Data › Open and public data: any recipient may be capped at 20 MB.
    for recipient in ("partner", "agency", "public"):
        advice = advise(ct, ["public"], "25MB", recipient)
        assert not advice.verdict("email").allowed
        assert "20 MB" in advice.verdict("email").reasons[0].text


def test_small_phi_goes_by_the_web_client_first(ct):
    advice = advise(ct, ["phi", "pii"], "200MB", "partner")
    assert [v.channel.id for v in advice.allowed] == ["sftp_web", "sftp_client", "encrypted_drive"]


def test_shared_drive_cannot_reach_outside_partners(ct):
    verdict = advise(ct, ["public"], "1MB", "partner").verdict("network_drive")
    assert not verdict.allowed
    assert "cannot reach an outside partner" in verdict.reasons[0].text


def test_size_that_varies_is_allowed_with_a_warning(ct):
    verdict = advise(ct, ["phi"], "3GB", "agency").verdict("encrypted_drive")
    assert verdict.allowed
    assert "ask your IT department" in verdict.warnings[0].text


def test_deidentify_step_only_when_the_request_allows_and_data_identifies_people(ct):
    with_pii = advise(ct, ["pii"], "1MB", "agency", deidentified_ok=True).best
    assert step_ids(with_pii)[0] == "deidentify"
    assert "deidentify" not in step_ids(advise(ct, ["pii"], "1MB", "agency").best)
    confidential = advise(ct, ["confidential"], "1MB", "agency", deidentified_ok=True).best
    assert "deidentify" not in step_ids(confidential)


def test_public_recipient_cannot_receive_non_public_data_by_any_channel(ct):
    advice = advise(ct, ["pii"], "1MB", "public")
    assert advice.best is None
    assert all(not v.allowed for v in advice.verdicts)


def test_quasi_identifiers_together_need_a_secure_channel(ct):
    advice = advise(ct, ["quasi_identifier", "quasi_identifier"], "1MB", "agency")
    assert advice.sensitivity.level.id == "personal"
    assert not advice.verdict("email").allowed
    assert advise(ct, ["quasi_identifier"], "1MB", "agency").verdict("email").allowed


def test_check_channel_names_unknown_channel(ct):
    transfer = make_transfer(ct, ["phi"], "1GB", "agency")
    with pytest.raises(InputError, match="unknown channel 'carrier_pigeon'; expected one of: "):
        check_channel(ct, transfer, "carrier_pigeon")


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"categories": ["phx"]}, "unknown category 'phx'"),
        ({"categories": []}, "at least one category"),
        ({"recipient": "moon"}, "unknown recipient 'moon'"),
        ({"size": "-2GB"}, "cannot be negative"),
        ({"size": "big"}, "expected a size such as"),
    ],
)
def test_make_transfer_rejects_bad_input(ct, kwargs, fragment):
    values = {"categories": ["phi"], "size": "1GB", "recipient": "agency", **kwargs}
    with pytest.raises(InputError, match=fragment):
        make_transfer(ct, values["categories"], values["size"], values["recipient"])


def test_another_jurisdiction_swaps_in_its_own_channels_and_limits():
    ex = load_catalogue("example")
    advice = advise(ex, ["phi"], "3GB", "agency")
    assert not advice.verdict("mft_portal").allowed
    assert "over the 2 GB limit" in advice.verdict("mft_portal").reasons[0].text
    assert advice.best.channel.id == "mft_scripted"
    assert "notify_it" not in step_ids(advice.best)  # its threshold is 10 GB
    assert "within 30 days" in next(s.text for s in advice.best.steps if s.id == "download_in_time")
    assert not advise(ex, ["public"], "12MB", "agency").verdict("email").allowed
