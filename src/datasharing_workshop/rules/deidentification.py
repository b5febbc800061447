"""Breakout 5's data: read the invented people, generalise fields, count them into a table.

``exercises/data/people.csv`` (made by ``exercises/data/make_people.py``) lists 5,000
invented people; ``exercises/data/places.csv`` maps each ZIP code to its town and county.
A group chooses, for each field, to keep it, leave it out, or share it in less detail
(:data:`OPTIONS`); :class:`Tabulator` then counts the people into a two-way table
(:class:`~.suppression.CountTable`) whose rows are the kept fields and whose columns are
the field the recipient's question is about.

Speed matters because the table is recounted after every change a group makes: the CSV is
read once per file version, every field's value in every option is worked out once per
exercise, and a recount is a single pass with a :class:`collections.Counter`.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from ..content.catalogue import content_root
from ..content.locations import shipped
from ..content.yaml_source import display_path
from ..errors import ContentError, Problem
from .suppression import CountTable, Suppression, suppress

#: Option ids, in order from most to least detail ("drop" leaves the field out).
KEEP, DROP = "keep", "drop"


@dataclass(frozen=True)
class Option:
    """One way to share a field.

    Attributes
    ----------
    id
        What scenario files write (``options: [keep, town, county, drop]``).
    label
        What the group does, as it reads in a sentence and (capitalised) in the lists:
        "share the age in 10-year bands".
    short
        A few words for the chart: "10-year bands".
    needs
        What the field's values must be for the option to apply: ``"any"``, ``"date"``
        (ISO dates such as 1956-03-02) or ``"zip"`` (a ZIP code listed in places.csv).
    """

    id: str
    label: str
    short: str
    needs: str = "any"


OPTIONS: dict[str, Option] = {
    o.id: o
    for o in (
        Option(KEEP, "keep it as it is", "as it is"),
        Option("year_of_birth", "share the year of birth only", "year of birth", "date"),
        Option("age_band_10", "share the age in 10-year bands", "10-year bands", "date"),
        Option(
            "age_band_broad",
            "share the age in broad bands (0–17, 18–64, 65 and over)",
            "broad bands",
            "date",
        ),
        Option("town", "share the town only", "town", "zip"),
        Option("county", "share the county only", "county", "zip"),
        Option(DROP, "leave it out", "left out"),
    )
}

#: How many recent tables a :class:`Tabulator` keeps (and four times as many suppressions).
CACHED = 64

#: Tables with more counts than this are not counted: with a few thousand people nearly
#: every count would be 0 or 1 (birth dates across the top, say), and building them would
#: take seconds. :class:`TooDetailed` says so instead.
MAX_CELLS = 20_000

#: Used when a kept field or the column field is left out of the table.
EVERYONE = "Everyone"
ALL = "All"


def option_label(option_id: str, *, capital: bool = False) -> str:
    label = OPTIONS[option_id].label if option_id in OPTIONS else option_id
    return label[:1].upper() + label[1:] if capital else label


# --------------------------------------------------------------------------- the files


def data_folder() -> Path:
    """Where the data files live: ``<content>/data``, else the kit's own ``exercises/data``.

    A jurisdiction's content folder (``$DATASHARING_WORKSHOP_CONTENT``) need not copy the
    invented people: without a ``data/`` folder of its own it uses the kit's.
    """
    own = content_root() / "data"
    if own.is_dir():
        return own
    return shipped("exercises") / "data"


@dataclass(frozen=True)
class PeopleData:
    """A CSV of people, read once: its header and each column's values, in file order."""

    path: Path
    fields: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]]
    #: ZIP code -> (town, county), from places.csv.
    places: Mapping[str, tuple[str, str]]

    @property
    def size(self) -> int:
        return len(next(iter(self.columns.values()), ()))


def load_people(file_name: str) -> PeopleData:
    """Read ``<data folder>/<file_name>`` and ``places.csv``.

    Raises
    ------
    ContentError
        A file is missing, empty or has rows of the wrong length.
    """
    folder = data_folder()
    path = folder / file_name
    places = folder / "places.csv"
    return _load_cached(path, _mtime(path), places, _mtime(places))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@lru_cache(maxsize=4)
def _load_cached(path: Path, _stamp: int, places_path: Path, _places_stamp: int) -> PeopleData:
    header, rows = _read_csv(path)
    columns = {name: tuple(row[k] for row in rows) for k, name in enumerate(header)}
    p_header, p_rows = _read_csv(places_path)
    missing = [n for n in ("zip", "town", "county") if n not in p_header]
    if missing:
        raise ContentError(
            [
                Problem(
                    display_path(places_path),
                    "",
                    f"missing column(s) {', '.join(missing)}; expected: zip,town,county",
                )
            ]
        )
    z, t, c = (p_header.index(n) for n in ("zip", "town", "county"))
    places = {row[z]: (row[t], row[c]) for row in p_rows}
    return PeopleData(path, tuple(header), columns, places)


def _read_csv(path: Path) -> tuple[list[str], list[list[str]]]:
    shown = display_path(path)
    if not path.is_file():
        raise ContentError([Problem(shown, "", "missing data file")])
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ContentError(
            [
                Problem(
                    shown,
                    "",
                    f"not UTF-8 text (byte {raw[exc.start]:#04x}); save the file as CSV UTF-8",
                    line=line,
                )
            ]
        ) from None
    except OSError as exc:
        raise ContentError(
            [Problem(shown, "", f"cannot be read ({exc.strerror or exc})")]
        ) from None
    with io.StringIO(text, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise ContentError([Problem(shown, "", "the file is empty; expected a header row")])
        rows = []
        for row in reader:
            if len(row) != len(header):
                raise ContentError(
                    [
                        Problem(
                            shown,
                            "",
                            f"expected {len(header)} values, got {len(row)}",
                            line=reader.line_num,
                        )
                    ]
                )
            rows.append(row)
    return header, rows


# --------------------------------------------------------------------------- options


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def ten_year_band(age: int) -> str:
    if age >= 90:
        return "90 and over"
    low = age // 10 * 10
    return f"{low}–{low + 9}"


def broad_band(age: int) -> str:
    if age < 18:
        return "0–17"
    return "18–64" if age < 65 else "65 and over"


def option_problem(data: PeopleData, field: str, option: str) -> str:
    """Why ``option`` cannot apply to ``field``'s values, or ``""`` when it can."""
    needs = OPTIONS[option].needs
    values = data.columns[field]
    if needs == "date":
        for n, value in enumerate(values, start=2):
            try:
                date.fromisoformat(value)
            except ValueError:
                return f"'{option}' needs dates such as 1956-03-02, but line {n} has {value!r}"
    elif needs == "zip":
        unknown = sorted(set(values) - set(data.places))
        if unknown:
            return (
                f"'{option}' needs ZIP codes listed in places.csv; not listed: "
                f"{', '.join(unknown[:5])}"
            )
    return ""


def generalise(data: PeopleData, field: str, option: str, as_of: date) -> tuple[str, ...]:
    """Every person's value of ``field`` shared as ``option`` (file order)."""
    values = data.columns[field]
    if option == KEEP:
        return values
    transform: Callable[[str], str]
    if option == "year_of_birth":

        def transform(v: str) -> str:
            return v[:4]

    elif option == "age_band_10":

        def transform(v: str) -> str:
            return ten_year_band(age_on(date.fromisoformat(v), as_of))

    elif option == "age_band_broad":

        def transform(v: str) -> str:
            return broad_band(age_on(date.fromisoformat(v), as_of))

    elif option == "town":

        def transform(v: str) -> str:
            return data.places[v][0]

    elif option == "county":

        def transform(v: str) -> str:
            return data.places[v][1]

    else:
        raise ValueError(f"cannot share a field as {option!r}")
    # Few distinct values (dates, ZIP codes): work each out once.
    memo = {v: transform(v) for v in set(values)}
    return tuple(memo[v] for v in values)


_NUMBER = re.compile(r"(\d+)")


@lru_cache(maxsize=65536)
def natural_key(text: str) -> tuple:
    """Sort "5–9" before "10–19", and text alphabetically."""
    return tuple(int(part) if part.isdigit() else part for part in _NUMBER.split(text))


# --------------------------------------------------------------------------- counting


class Tabulator:
    """Counts one scenario's people into a table for any combination of choices.

    Parameters
    ----------
    data
        The people.
    fields
        The fields a group may choose for, in the order their columns appear.
    options
        Field -> the option ids allowed for it.
    column
        The field across the top of the table (the outcome the question is about).
    as_of
        The day ages are worked out on.
    only
        Field -> value: count only the people with these values (``{"programme": ...}``).
    """

    def __init__(
        self,
        data: PeopleData,
        fields: Sequence[str],
        options: Mapping[str, Sequence[str]],
        column: str,
        as_of: date,
        only: Mapping[str, str] | None = None,
    ):
        self.data = data
        self.fields = tuple(fields)
        self.options = {f: tuple(options[f]) for f in self.fields}
        self.column = column
        self.as_of = as_of
        keep = [
            all(data.columns[f][k] == v for f, v in (only or {}).items()) for k in range(data.size)
        ]
        self.rows_used = [k for k, ok in enumerate(keep) if ok]
        self._values: dict[tuple[str, str], tuple[str, ...]] = {}
        # Recent tables and suppressions, so that the chart, which tries every option of
        # every field around the group's choices, recounts only what changed.
        self._tables: OrderedDict[tuple, Counted | TooDetailed] = OrderedDict()
        self._results: OrderedDict[tuple, Suppression] = OrderedDict()

    @property
    def people(self) -> int:
        return len(self.rows_used)

    def values(self, field: str, option: str) -> tuple[str, ...]:
        """The counted people's values of ``field`` shared as ``option`` (cached)."""
        key = (field, option)
        if key not in self._values:
            every = generalise(self.data, field, option, self.as_of)
            self._values[key] = tuple(every[k] for k in self.rows_used)
        return self._values[key]

    def row_fields(self, choices: Mapping[str, str]) -> list[str]:
        """The fields that make up the rows: every kept field but the column field."""
        return [f for f in self.fields if f != self.column and choices.get(f, DROP) != DROP]

    def forget(self) -> None:
        """Drop the remembered tables and suppressions (benchmarks time the cold case)."""
        self._tables.clear()
        self._results.clear()

    def _key(self, choices: Mapping[str, str]) -> tuple:
        return tuple(choices.get(f, DROP) for f in self.fields)

    def table(self, choices: Mapping[str, str]) -> Counted:
        """Count the people for ``choices`` (field -> option id); see :meth:`count`.

        The last :data:`CACHED` tables are kept.

        Raises
        ------
        TooDetailed
            The table would have more than :data:`MAX_CELLS` counts.
        """
        key = self._key(choices)
        found = self._tables.get(key)
        if found is None:
            try:
                found = self.count(choices)
            except TooDetailed as exc:
                found = exc
            self._tables[key] = found
            if len(self._tables) > CACHED:
                self._tables.popitem(last=False)
        else:
            self._tables.move_to_end(key)
        if isinstance(found, TooDetailed):
            raise found
        return found

    def suppressed(self, choices: Mapping[str, str], threshold: int) -> Suppression:
        """The table for ``choices`` with small counts hidden (the last few are kept)."""
        key = (*self._key(choices), threshold)
        found = self._results.get(key)
        if found is None:
            found = self._results[key] = suppress(self.table(choices).table, threshold)
            if len(self._results) > 4 * CACHED:
                self._results.popitem(last=False)
        else:
            self._results.move_to_end(key)
        return found

    def count(self, choices: Mapping[str, str]) -> Counted:
        """Count the people for ``choices`` (field -> option id).

        Rows are the distinct combinations of the kept fields (sorted, numbers in number
        order); columns are the column field's values, or one "All" column when it is left
        out. With no kept row field there is one row, "Everyone".

        Raises
        ------
        TooDetailed
            The table would have more than :data:`MAX_CELLS` counts.
        """
        row_fields = self.row_fields(choices)
        if row_fields:
            columns = [self.values(f, choices[f]) for f in row_fields]
            keys = list(zip(*columns, strict=True))
        else:
            keys = [(EVERYONE,)] * self.people
        column_option = choices.get(self.column, DROP)
        if column_option == DROP:
            across: Sequence[str] = [ALL] * self.people
        else:
            across = self.values(self.column, column_option)
        counts = Counter(zip(keys, across, strict=True))
        distinct_rows = {k for k, _ in counts}
        distinct_cols = {c for _, c in counts}
        if len(distinct_rows) * len(distinct_cols) > MAX_CELLS:
            raise TooDetailed(len(distinct_rows) * len(distinct_cols), self.people)
        row_keys = sorted(distinct_rows, key=lambda k: tuple(natural_key(v) for v in k))
        col_labels = sorted(distinct_cols, key=natural_key)
        grid = tuple(tuple(counts.get((k, c), 0) for c in col_labels) for k in row_keys)
        labels = tuple(" · ".join(k) for k in row_keys)
        return Counted(
            CountTable(labels, tuple(col_labels), grid), tuple(row_fields), tuple(row_keys)
        )


class TooDetailed(Exception):
    """A table with so many counts (nearly all 0 or 1) that it is not worth counting."""

    def __init__(self, cells: int, people: int):
        super().__init__(f"{cells:,} counts for {people:,} people")
        self.cells, self.people = cells, people


@dataclass(frozen=True)
class Counted:
    """A table of counts and what its rows are made of."""

    table: CountTable
    #: The fields whose values make up each row, in order (empty: one "Everyone" row).
    row_fields: tuple[str, ...]
    #: Each row's values, one per row field.
    row_keys: tuple[tuple[str, ...], ...]


# --------------------------------------------------------------------------- the cost of detail


@dataclass(frozen=True)
class Cost:
    """How much one set of choices hides, for the chart."""

    #: What was varied: a threshold ("11") or a field's option ("zip: county").
    label: str
    threshold: int
    field: str | None
    option: str | None
    #: Share of people in hidden counts; ``None`` when the table is too detailed to count.
    hidden_share: float | None
    hidden_cells: int
    cells: int
    #: Whether these are the group's current choices.
    current: bool


def _cost(tab: Tabulator, choices, threshold, label, field, option, current) -> Cost:
    try:
        table = tab.table(choices).table
    except TooDetailed as exc:
        return Cost(label, threshold, field, option, None, 0, exc.cells, current)
    if max(table.row_totals) < threshold:
        # Every row is a small group (a list of people, nearly), so every nonzero count is
        # itself small and hidden: everyone is in a hidden count. The complements only
        # touch totals, which the chart does not count, so suppress() can be skipped.
        nonzero = sum(1 for row in table.counts for value in row if value)
        share = 1.0 if table.grand_total else 0.0
        cells = table.n_rows * table.n_columns
        return Cost(label, threshold, field, option, share, nonzero, cells, current)
    result = tab.suppressed(choices, threshold)
    return Cost(
        label,
        threshold,
        field,
        option,
        result.hidden_share,
        result.hidden_cells,
        result.inner_cells,
        current,
    )


def costs_by_threshold(
    tab: Tabulator, choices: Mapping[str, str], thresholds: Sequence[int], current: int
) -> list[Cost]:
    """The group's table at each minimum cell size in ``thresholds``."""
    return [_cost(tab, choices, k, str(k), None, None, k == current) for k in thresholds]


def costs_by_choice(tab: Tabulator, choices: Mapping[str, str], threshold: int) -> list[Cost]:
    """For each field that can be shared in less detail, the cost of each way to share it
    (leaving it out excepted), with every other choice as the group has it."""
    out = []
    for field in tab.fields:
        finer = [o for o in tab.options[field] if o not in (KEEP, DROP)]
        if not finer:
            continue
        for option in (o for o in tab.options[field] if o != DROP):
            trial = {**choices, field: option}
            label = f"{field}: {OPTIONS[option].short}"
            out.append(
                _cost(tab, trial, threshold, label, field, option, choices.get(field) == option)
            )
    return out
