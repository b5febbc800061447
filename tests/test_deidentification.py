"""Tests for datasharing_workshop.rules.deidentification and the invented data behind breakout 5:
the CSV is what its script makes, places agree, options generalise as they say, and
counting gives the right table."""

from __future__ import annotations

import csv
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from datasharing_workshop.errors import ContentError
from datasharing_workshop.rules.deidentification import (
    ALL,
    DROP,
    EVERYONE,
    KEEP,
    MAX_CELLS,
    OPTIONS,
    Tabulator,
    TooDetailed,
    age_on,
    broad_band,
    data_folder,
    generalise,
    load_people,
    natural_key,
    option_problem,
    ten_year_band,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "exercises" / "data"
AS_OF = date(2024, 7, 1)
FIELDS = ["id", "name", "birth_date", "sex", "zip", "program", "outcome"]


@pytest.fixture(scope="module")
def people():
    return load_people("people.csv")


def everything(people, column="outcome", only=None) -> Tabulator:
    return Tabulator(people, FIELDS, {f: list(OPTIONS) for f in FIELDS}, column, AS_OF, only)


def test_the_script_makes_exactly_the_shipped_file(tmp_path):
    out = tmp_path / "people.csv"
    done = subprocess.run(
        [sys.executable, str(DATA / "make_people.py"), str(out)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wrote 5000 invented people" in done.stdout
    assert out.read_bytes() == (DATA / "people.csv").read_bytes()


def test_the_people_are_invented_and_consistent_with_places(people):
    assert people.size == 5000
    assert people.fields == (
        "id",
        "name",
        "birth_date",
        "sex",
        "zip",
        "town",
        "county",
        "program",
        "outcome",
    )
    assert len(set(people.columns["id"])) == 5000
    for zip_code, town, county in zip(
        people.columns["zip"], people.columns["town"], people.columns["county"], strict=True
    ):
        assert people.places[zip_code] == (town, county)
    with (DATA / "places.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert all(r["zip"].startswith("069") and len(r["zip"]) == 5 for r in rows)
    assert all(c.endswith(" County") for c in people.columns["county"])
    surnames = Counter(n.split()[1] for n in people.columns["name"])
    assert len(surnames) <= 12  # from the short invented list only
    assert set(people.columns["sex"]) == {"F", "M", "X"}


def test_the_data_has_small_places_for_the_exercise_to_show(people):
    towns = Counter(people.columns["town"])
    assert min(towns.values()) < 20 < max(towns.values())


@pytest.mark.parametrize(
    ("born", "age"),
    [
        (date(2000, 7, 1), 24),  # birthday on the day: already 24
        (date(2000, 7, 2), 23),
        (date(2024, 6, 30), 0),
        (date(1930, 1, 1), 94),
    ],
)
def test_age_on_counts_whole_years(born, age):
    assert age_on(born, AS_OF) == age


@pytest.mark.parametrize(
    ("age", "ten", "broad"),
    [
        (0, "0–9", "0–17"),
        (17, "10–19", "0–17"),
        (18, "10–19", "18–64"),
        (64, "60–69", "18–64"),
        (65, "60–69", "65 and over"),
        (89, "80–89", "65 and over"),
        (90, "90 and over", "65 and over"),
        (104, "90 and over", "65 and over"),
    ],
)
def test_age_bands(age, ten, broad):
    assert ten_year_band(age) == ten
    assert broad_band(age) == broad


def test_generalise_each_option(people):
    k = 0
    born = date.fromisoformat(people.columns["birth_date"][k])
    assert generalise(people, "birth_date", KEEP, AS_OF)[k] == born.isoformat()
    assert generalise(people, "birth_date", "year_of_birth", AS_OF)[k] == str(born.year)
    age = age_on(born, AS_OF)
    assert generalise(people, "birth_date", "age_band_10", AS_OF)[k] == ten_year_band(age)
    assert generalise(people, "birth_date", "age_band_broad", AS_OF)[k] == broad_band(age)
    assert generalise(people, "zip", "town", AS_OF) == people.columns["town"]
    assert generalise(people, "zip", "county", AS_OF) == people.columns["county"]
    with pytest.raises(ValueError, match="cannot share a field as 'drop'"):
        generalise(people, "zip", DROP, AS_OF)


def test_option_problems_are_found(people):
    assert option_problem(people, "birth_date", "age_band_10") == ""
    assert "needs dates such as 1956-03-02, but line 2 has 'P00001'" in option_problem(
        people, "id", "age_band_10"
    )
    assert "needs ZIP codes listed in places.csv" in option_problem(people, "name", "county")


def test_counts_add_up_and_follow_the_choices(people):
    tab = everything(people, only={"program": "Job training"})
    counted = tab.table({"zip": "county", "outcome": KEEP})
    table = counted.table
    assert counted.row_fields == ("zip",)
    assert table.grand_total == tab.people == people.columns["program"].count("Job training")
    assert table.row_labels == ("Harbor County", "Lakes County", "Ridge County", "Valley County")
    assert table.column_labels == ("Goal reached", "Left early", "Still enrolled")
    expected = Counter(
        (people.places[z][1], o)
        for z, o, p in zip(
            people.columns["zip"],
            people.columns["outcome"],
            people.columns["program"],
            strict=True,
        )
        if p == "Job training"
    )
    for i, county in enumerate(table.row_labels):
        for j, outcome in enumerate(table.column_labels):
            assert table.counts[i][j] == expected[(county, outcome)]


def test_rows_combine_fields_in_order_and_sort_numbers_as_numbers(people):
    counted = everything(people).table({"birth_date": "age_band_10", "sex": KEEP, "outcome": KEEP})
    assert counted.row_fields == ("birth_date", "sex")
    bands = list(dict.fromkeys(k[0] for k in counted.row_keys))
    assert bands[:3] == ["0–9", "10–19", "20–29"] and bands[-1] == "90 and over"
    assert counted.table.row_labels[0] == "0–9 · F"
    assert natural_key("9") < natural_key("10")


def test_without_row_fields_or_column_field(people):
    tab = everything(people)
    nothing = tab.table({})
    assert nothing.table.row_labels == (EVERYONE,) and nothing.table.column_labels == (ALL,)
    assert nothing.table.counts == ((5000,),)
    assert nothing.row_fields == () and nothing.row_keys == ((EVERYONE,),)


def test_a_huge_table_is_refused_not_built(people):
    tab = everything(people, column="birth_date")
    with pytest.raises(TooDetailed) as caught:
        tab.table({"id": KEEP, "birth_date": KEEP})
    assert caught.value.cells > MAX_CELLS and caught.value.people == 5000
    with pytest.raises(TooDetailed):  # remembered, and raised again
        tab.table({"id": KEEP, "birth_date": KEEP})


def test_tables_and_suppressions_are_remembered(people):
    tab = everything(people)
    choices = {"zip": "town", "outcome": KEEP}
    assert tab.table(choices) is tab.table(dict(choices))
    assert tab.suppressed(choices, 5) is tab.suppressed(choices, 5)
    assert tab.suppressed(choices, 5) is not tab.suppressed(choices, 6)


def test_a_content_folder_without_data_uses_the_kits_own(content):
    assert not (content / "data").exists()  # the fixture leaves data/ out
    assert data_folder() == DATA
    (content / "data").mkdir()
    assert data_folder() == content / "data"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", r"broken\.csv: the file is empty; expected a header row"),
        ("id,name\nP1,Ada\nP2\n", r"broken\.csv:3: expected 2 values, got 1"),
    ],
)
def test_broken_data_files_say_where(content, text, message):
    folder = content / "data"
    folder.mkdir()
    (folder / "places.csv").write_text("zip,town,county\n", encoding="utf-8")
    (folder / "broken.csv").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=message) as caught:
        load_people("broken.csv")
    assert caught.value.problems[0].file.endswith("broken.csv")


def test_a_missing_data_file(content):
    with pytest.raises(ContentError, match=r"nobody\.csv: missing data file"):
        load_people("nobody.csv")


@pytest.mark.parametrize(
    "choices",
    [
        {"id": KEEP, "outcome": KEEP},
        {"birth_date": KEEP, "zip": "town", "outcome": KEEP},
        {"birth_date": "year_of_birth", "zip": KEEP, "outcome": KEEP},
        {"zip": "town", "sex": KEEP, "outcome": KEEP},
    ],
)
def test_the_chart_costs_match_a_full_suppression(people, choices):
    # Tables of (nearly) one person per row skip suppress(); the numbers must not change.
    from datasharing_workshop.rules.deidentification import costs_by_threshold
    from datasharing_workshop.rules.suppression import suppress

    tab = everything(people)
    for cost in costs_by_threshold(tab, choices, range(5, 12), 5):
        result = suppress(tab.table(choices).table, cost.threshold)
        assert cost.hidden_share == result.hidden_share
        assert (cost.hidden_cells, cost.cells) == (result.hidden_cells, result.inner_cells)
