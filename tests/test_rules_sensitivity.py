import pytest

from datasharing_workshop.errors import InputError
from datasharing_workshop.rules import dataset_sensitivity
from datasharing_workshop.rules.sensitivity import contains


def test_dataset_is_as_sensitive_as_its_most_sensitive_field(ct):
    sens = dataset_sensitivity(ct, {"town": "public", "diagnosis": "phi", "name": "pii"})
    assert sens.level.id == "regulated"
    assert sens.driving_fields == ("diagnosis",)
    assert "as sensitive as its most sensitive field" in sens.reasons[0].text
    assert sens.reasons[0].section_id == "governing-laws"


def test_public_fields_make_a_public_dataset(ct):
    sens = dataset_sensitivity(ct, {"town": "public", "count": "public"})
    assert sens.is_public
    assert len(sens.reasons) == 1


def test_quasi_identifiers_together_count_as_pii(ct):
    sens = dataset_sensitivity(
        ct, {"birth_date": "quasi_identifier", "zip": "quasi_identifier", "sex": "quasi_identifier"}
    )
    assert sens.level.id == "personal"
    assert sens.quasi_combined
    assert sens.quasi_identifiers == ("birth_date", "zip", "sex")
    assert "pii" in sens.categories
    text = sens.reasons[1].text
    assert "birth_date, zip and sex are quasi-identifiers" in text
    assert "these 3 together" in text
    assert sens.reasons[1].section_id == "aggregating-data"


def test_one_quasi_identifier_alone_is_harmless(ct):
    sens = dataset_sensitivity(ct, {"zip": "quasi_identifier", "visits": "public"})
    assert sens.level.id == "public"
    assert not sens.quasi_combined


def test_subsets_of_pii_count_as_pii(ct):
    sens = dataset_sensitivity(ct, {"score": "education_record"})
    assert contains(ct, sens, "pii") and contains(ct, sens, "education_record")
    assert not contains(ct, sens, "phi")


def test_unknown_category_is_named(ct):
    with pytest.raises(InputError, match="unknown category 'ssn'; expected one of: public"):
        dataset_sensitivity(ct, {"x": "ssn"})


def test_empty_dataset_is_refused(ct):
    with pytest.raises(InputError, match="at least one field"):
        dataset_sensitivity(ct, {})
