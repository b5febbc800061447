import pytest

from datasharing_workshop.content.situations import make_situation
from datasharing_workshop.errors import InputError
from datasharing_workshop.rules import advise_agreements, situation_from_data


def ids(cat, data, requester, **details):
    return advise_agreements(cat, situation_from_data(cat, data, requester, **details)).ids


def test_contractor_handling_phi_needs_a_baa(ct):
    advice = advise_agreements(
        ct, situation_from_data(ct, ["phi"], "contractor", contractor_handles_phi=True)
    )
    assert "baa" in advice.ids
    baa = next(f for f in advice.needed if f.agreement.id == "baa")
    assert "HIPAA" in baa.reasons[0].text
    assert baa.reasons[0].section_id == "agreement-baa"
    assert {"sow", "nda"} <= set(advice.ids)


def test_one_off_transfer_to_a_researcher_needs_a_dua(ct):
    assert ids(ct, ["pii"], "researcher") == ("dua",)


def test_open_data_needs_no_agreement(ct):
    advice = advise_agreements(ct, situation_from_data(ct, ["public"], "public"))
    assert advice.ids == ("none_open_data",)
    assert advice.none_needed
    assert advice.needed[0].reasons[0].section_id == "no-agreement-needed"


def test_public_data_to_an_agency_needs_no_agreement_either(ct):
    assert ids(ct, ["public"], "agency", frequency="ongoing") == ("none_open_data",)


def test_ongoing_same_transfer_needs_an_mou(ct):
    assert ids(ct, ["pii"], "agency", frequency="ongoing", parameters="fixed") == ("mou",)


def test_grant_funded_relationship_adds_an_mou(ct):
    assert "mou" in ids(ct, ["confidential"], "nonprofit", basis="grant")


def test_multi_agency_long_term_sharing_uses_emou_and_dsa_with_a_dua_accepted(ct):
    # P20 WIN: E-MOU plus a DSA per request (Responding to Data Requests › P20 WIN data
    # sharing agreements); a DUA per request is how some frameworks split it, so it is
    # worth considering but not required.
    advice = advise_agreements(
        ct,
        situation_from_data(
            ct, ["education_record"], "agency", frequency="ongoing", parameters="varying", parties=4
        ),
    )
    assert set(advice.ids) == {"emou", "dsa"}
    assert "dua" in [f.agreement.id for f in advice.consider]
    assert any("P20 WIN" in r.text for f in advice.consider for r in f.reasons)
    assert advice.together, "the E-MOU + DSA + DUA note is missing"
    assert advice.together[0].text.startswith(
        "The playbook says: E-MOU, DSA and DUA / DUL usually work together"
    )


def test_two_party_varying_sharing_needs_a_dsa_but_no_emou(ct):
    result = ids(ct, ["pii"], "agency", frequency="ongoing", parameters="varying", parties=2)
    assert result == ("dsa",)


def test_publishing_is_suggested_when_identities_are_not_needed(ct):
    advice = advise_agreements(ct, situation_from_data(ct, ["pii"], "researcher"))
    assert [f.agreement.id for f in advice.consider] == ["none_open_data"]
    needs = advise_agreements(
        ct, situation_from_data(ct, ["pii"], "researcher", needs_identities=True)
    )
    assert needs.consider == ()


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"requester": "alien", "sensitivity": "public"}, "unknown requester 'alien'"),
        ({"requester": "agency", "sensitivity": "secret"}, "unknown sensitivity 'secret'"),
    ],
)
def test_situation_values_are_checked_against_the_catalogue(ct, values, fragment):
    with pytest.raises(InputError, match=fragment):
        advise_agreements(ct, make_situation(**values))


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({"frequency": "sometimes"}, "frequency: expected one of one_off, ongoing"),
        ({"parties": "many"}, "parties: expected a whole number"),
        ({"parties": 0}, "expected at least 1"),
        ({"colour": "red"}, "unknown situation field"),
    ],
)
def test_make_situation_rejects_bad_values(values, fragment):
    with pytest.raises(InputError, match=fragment):
        make_situation(requester="agency", sensitivity="public", **values)
