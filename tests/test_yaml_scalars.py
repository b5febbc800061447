"""Every scalar a facilitator writes reaches the kit as written (issue 14, point 14).

PyYAML reads YAML 1.1, where an unquoted ``06101`` is the octal number 3137, ``yes`` is True,
``1:30`` is 90 and ``2025-03-14`` is a date. The kit keeps the text of those forms and lets
each model convert it only where it expects a number, a yes/no or a date.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from datasharing_workshop.breakouts.scenarios import load_scenarios
from datasharing_workshop.content.catalogue import load_catalogue
from datasharing_workshop.content.yaml_source import load_as_written, read_yaml
from datasharing_workshop.errors import ContentError

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "scenarios"


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("06101", "06101"),
        ("yes", "yes"),
        ("No", "No"),
        ("off", "off"),
        ("ON", "ON"),
        ("1:30", "1:30"),
        ("190:20:30.15", "190:20:30.15"),
        ("2025-03-14", "2025-03-14"),
        ("2025-03-14 09:30:00", "2025-03-14 09:30:00"),
        ("0x1A", "0x1A"),
        ("1_000", "1_000"),
    ],
)
def test_yaml_1_1_surprises_keep_their_text(written, kept):
    assert yaml.safe_load(f"value: {written}")["value"] != kept  # what PyYAML alone does
    assert load_as_written(f"value: {written}") == {"value": kept}


@pytest.mark.parametrize(
    ("written", "value"),
    [("5", 5), ("-2", -2), ("0", 0), ("1.5", 1.5), ("true", True), ("False", False), ("~", None)],
)
def test_numbers_true_false_and_null_mean_what_they_always_meant(written, value):
    assert load_as_written(f"value: {written}") == {"value": value}


def test_quoted_values_and_keys_are_untouched():
    assert load_as_written("'06101': ['06101', \"yes\"]\n2024: x") == {
        "06101": ["06101", "yes"],
        2024: "x",
    }


def test_read_yaml_keeps_the_text(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("samples: [06101, yes, 1:30, 2025-03-14]\n", encoding="utf-8")
    assert read_yaml(path).data == {"samples": ["06101", "yes", "1:30", "2025-03-14"]}


def test_a_scenario_shows_participants_exactly_what_was_written(content):
    shutil.copytree(FIXTURES / "scalars_as_written", content / "ct" / "scenarios" / "scalars")
    (scenario,) = load_scenarios("classify_data", scenario_set="scalars")
    fields = {f.name: f for f in scenario.dataset.fields}
    assert fields["home_zip"].samples == ["06101", "06110", "06990"]
    assert fields["answered"].samples == ["yes", "no", "On"]
    assert fields["arrival"].samples == ["1:30", "2025-03-14", "12:05:30"]
    assert fields["home_zip"].description == "1:30"
    assert fields["answered"].description == "off"
    assert scenario.story == "yes"
    assert scenario.dataset.name == "2025-03-14"


def test_a_number_field_still_reads_a_number_and_refuses_1_30_with_its_line(content):
    path = content / "ct" / "jurisdiction.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("min_cell_size: 5", "min_cell_size: 07"), encoding="utf-8")
    assert load_catalogue("ct").jurisdiction.settings.min_cell_size == 7
    path.write_text(text.replace("min_cell_size: 5", "min_cell_size: 1:30"), encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_catalogue("ct")
    line = text[: text.index("min_cell_size: 5")].count("\n") + 1
    assert f"ct/jurisdiction.yaml:{line}: settings.min_cell_size:" in str(err.value)
    assert "'1:30'" in str(err.value)


def test_a_date_field_still_reads_a_date():
    (first, *_) = load_scenarios("deidentify")
    assert first.as_of == date(2024, 7, 1)
