"""Make ``people.csv``: 5,000 invented people for breakout 5 (de-identifying and aggregating).

Nobody in the file exists. Names are built from two short invented lists, ZIP codes and
towns come from ``places.csv`` (invented places in invented counties), and every other
value is drawn at random. The seed is fixed, so running this script again writes the same
file, byte for byte (``tests/test_deidentify_data.py`` checks it)::

    python exercises/data/make_people.py            # rewrites exercises/data/people.csv
    python exercises/data/make_people.py out.csv    # writes somewhere else

Standard library only, so it runs anywhere the kit does. Only ``random.Random.random()``
is used to draw values, because its sequence for a given seed is the same on every
Python version (methods such as ``randrange`` have changed between versions).

The shape is chosen for teaching: a few big towns and several very small ones, a small
third sex category, and five programs with different age ranges, so that detailed
tables have many small counts and coarser ones have few.
"""

from __future__ import annotations

import csv
import sys
from datetime import date, timedelta
from pathlib import Path
from random import Random

SEED = 20240701
PEOPLE = 5000
#: The day the extract was taken; ages in the exercise are worked out on this day.
AS_OF = date(2024, 7, 1)
HERE = Path(__file__).resolve().parent

FIRST_NAMES = [
    "Ada", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy", "Jo", "Kit", "Lou",
    "Max", "Nell", "Ora", "Pip", "Quin", "Rae", "Sid", "Tess", "Uma", "Vic", "Wren", "Zed",
]  # fmt: skip
# Surnames that no real family is likely to carry: the file must never look like real data.
LAST_NAMES = [
    "Testperson", "Example", "Placeholder", "Sampleton", "Madeupson", "Notreal",
    "Pretendwell", "Fictor", "Mockridge", "Dummett", "Inventa", "Fakeley",
]  # fmt: skip

#: Share of the people who live in each ZIP code (relative weights; see places.csv).
ZIP_WEIGHTS = {
    "06951": 620, "06952": 540, "06953": 380, "06954": 260, "06955": 60, "06956": 14,
    "06961": 560, "06962": 430, "06963": 300, "06964": 90, "06965": 22,
    "06971": 330, "06972": 250, "06973": 110, "06974": 70, "06975": 18,
    "06981": 240, "06982": 75, "06983": 20, "06984": 12,
}  # fmt: skip

#: Program -> (share of people, youngest age, oldest age).
PROGRAMS = {
    "Job training": (0.26, 18, 64),
    "Food assistance": (0.30, 0, 90),
    "Home heating help": (0.18, 25, 95),
    "Housing voucher": (0.18, 18, 85),
    "Youth mentoring": (0.08, 10, 20),
}
SEXES = [("F", 0.505), ("M", 0.485), ("X", 0.010)]
OUTCOMES = ["Goal reached", "Still enrolled", "Left early"]
FIELDS = ["id", "name", "birth_date", "sex", "zip", "town", "county", "program", "outcome"]


def pick(rng: Random, weighted: list[tuple[str, float]]) -> str:
    """One value from (value, weight) pairs, using only ``rng.random()``."""
    total = sum(weight for _, weight in weighted)
    point = rng.random() * total
    for value, weight in weighted:
        point -= weight
        if point < 0:
            return value
    return weighted[-1][0]


def read_places(path: Path) -> dict[str, tuple[str, str]]:
    """ZIP -> (town, county), from places.csv."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["zip"]: (row["town"], row["county"]) for row in csv.DictReader(handle)}


def birth_date(rng: Random, youngest: int, oldest: int) -> date:
    age_days = int((youngest + rng.random() * (oldest + 1 - youngest)) * 365.25)
    return AS_OF - timedelta(days=max(age_days, 1))


def outcome(rng: Random, program: str, age: int, county: str) -> str:
    # Invented tendencies, so that the counts say something: older people finish less
    # often in job training, and one county's services keep people enrolled longer.
    reached = 0.5 - (0.15 if program == "Job training" and age >= 50 else 0.0)
    enrolled = 0.3 + (0.15 if county == "Lakes County" else 0.0)
    return pick(rng, [("Goal reached", reached), ("Still enrolled", enrolled), ("Left early", 0.2)])


def make_people(places: dict[str, tuple[str, str]], seed: int = SEED, count: int = PEOPLE):
    """The rows of people.csv, as dicts in :data:`FIELDS` order."""
    rng = Random(seed)
    zips = [(z, float(w)) for z, w in ZIP_WEIGHTS.items()]
    programs = [(name, share) for name, (share, _, _) in PROGRAMS.items()]
    rows = []
    for number in range(1, count + 1):
        zip_code = pick(rng, zips)
        town, county = places[zip_code]
        program = pick(rng, programs)
        _, youngest, oldest = PROGRAMS[program]
        born = birth_date(rng, youngest, oldest)
        age = (AS_OF - born).days // 365
        first = FIRST_NAMES[int(rng.random() * len(FIRST_NAMES))]
        last = LAST_NAMES[int(rng.random() * len(LAST_NAMES))]
        rows.append(
            {
                "id": f"P{number:05d}",
                "name": f"{first} {last}",
                "birth_date": born.isoformat(),
                "sex": pick(rng, SEXES),
                "zip": zip_code,
                "town": town,
                "county": county,
                "program": program,
                "outcome": outcome(rng, program, age, county),
            }
        )
    return rows


def write_people(path: Path, rows) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(argv: list[str]) -> int:
    places = read_places(HERE / "places.csv")
    missing = sorted(set(ZIP_WEIGHTS) - set(places))
    if missing:
        print(f"places.csv has no row for ZIP code(s) {', '.join(missing)}", file=sys.stderr)
        return 2
    target = Path(argv[0]) if argv else HERE / "people.csv"
    write_people(target, make_people(places))
    print(f"wrote {PEOPLE} invented people to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
