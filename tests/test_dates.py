"""Dates as Connecticut writes them ("March 14, 2025"), and the other styles workshop.yml offers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datasharing_workshop.content.dates import DATE_STYLES, format_clock, format_date, format_moment
from datasharing_workshop.errors import ContentError
from datasharing_workshop.handouts.build import workshop_facts
from datasharing_workshop.handouts.config import load_workshop

PI_DAY = dt.date(2025, 3, 14)
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "handouts"


@pytest.mark.parametrize(("style", "shown"), DATE_STYLES.items())
def test_every_style_prints_as_its_example(style, shown):
    assert format_date(PI_DAY, style) == shown


def test_us_dates_have_no_leading_zero():
    assert format_date(dt.date(2025, 7, 4)) == "July 4, 2025"
    assert format_date(dt.date(2025, 7, 4), "us-numeric") == "7/4/2025"


def test_clock_is_twelve_hour():
    assert format_clock(dt.time(0, 30)) == "12:30 AM"
    assert format_clock(dt.time(9, 5)) == "9:05 AM"
    assert format_clock(dt.time(12, 0)) == "12:00 PM"
    assert format_clock(dt.time(13, 5)) == "1:05 PM"
    assert format_moment(dt.datetime(2025, 3, 14, 13, 5)) == "March 14, 2025, 1:05 PM"


def test_unknown_style_is_refused():
    with pytest.raises(ValueError, match="unknown date style 'british'"):
        format_date(PI_DAY, "british")


def config_with(tmp_path: Path, extra: str) -> Path:
    (tmp_path / "notebooks").mkdir()
    path = tmp_path / "workshop.yml"
    path.write_text((FIXTURES / "workshop.yml").read_text() + extra, encoding="utf-8")
    return path


def test_handouts_print_the_us_date_by_default(tmp_path):
    facts = workshop_facts(load_workshop(config_with(tmp_path, "")))
    assert facts["date_text"] == "March 14, 2025"
    assert facts["date_iso"] == "2025-03-14"


def test_workshop_yml_chooses_another_style(tmp_path):
    workshop = load_workshop(config_with(tmp_path, "date_format: day-month-year\n"))
    assert workshop_facts(workshop)["date_text"] == "14 March 2025"


def test_an_unknown_style_in_workshop_yml_names_the_line_and_the_choices(tmp_path):
    path = config_with(tmp_path, "date_format: british\n")
    with pytest.raises(ContentError) as caught:
        load_workshop(path)
    (problem,) = caught.value.problems
    assert problem.field == "date_format"
    assert problem.line == len(path.read_text().splitlines())
    assert "'us'" in problem.message and "british" in problem.message
