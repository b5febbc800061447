"""Breakout 6's data and rules: two agencies' extracts of the same people, and linking them.

Every fact here is from the playbook's chapter *Linking Datasets* (section id
``linking-datasets``): deterministic linking joins records only when the compared fields
match exactly and suits a consistent unique identifier; probabilistic linking compares
several fields (name, birthday ...) and suits data whose identifier is missing or
untrusted; checking every pair is costly (two sets of 100 records make 10,000 pairs), and
blocking compares only pairs that agree on a field such as birth year; a stricter rule
gives fewer false positives (false matches) and more false negatives (missed matches), a
looser one the reverse, and the use of the match decides which error to keep down.

The kit's own rules of thumb (not the playbook's): how the extracts are made (which
errors, how often) and the weights of the simple score below.

:func:`make_extracts` derives two extracts from ``exercises/data/people.csv`` with a fixed
seed: agency B's copy has typos, shortened first names, day and month swapped, missing or
different IDs, and a few twins (same last name, birth date and ZIP) appear in both. Every
record keeps the id of the person it describes, so the errors of a link can be counted.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

#: How a group may link the two extracts.
METHODS = ("exact_id", "name_birth_date", "probabilistic")
#: Fields a group may block on ("none": compare every pair).
BLOCKING = ("none", "birth_year", "zip", "last_initial")

# Kit rule of thumb: how often agency B's copy of a record has each error.
RATES = {"typo": 0.12, "nickname": 0.10, "swap_day_month": 0.06, "no_id": 0.15, "other_id": 0.04}
#: Kit rule of thumb: points a field adds to the score when it agrees (or nearly agrees).
WEIGHTS = {
    "id": 6,
    "last": 4,
    "last_near": 2,
    "first": 3,
    "first_initial": 1,
    "birth_date": 4,
    "birth_swapped": 2,
    "zip": 1,
}
MAX_SCORE = WEIGHTS["id"] + WEIGHTS["last"] + WEIGHTS["first"] + WEIGHTS["birth_date"] + 1


@dataclass(frozen=True)
class Record:
    """One record of one agency's extract."""

    agency: str
    record_id: str
    #: The state ID both agencies are meant to share ("" when this agency lacks it).
    state_id: str
    first: str
    last: str
    birth_date: date
    zip: str
    #: Who the record is really about: hidden from the groups, used to count errors.
    person: str

    def block_key(self, blocking: str) -> str:
        if blocking == "birth_year":
            return str(self.birth_date.year)
        if blocking == "zip":
            return self.zip
        if blocking == "last_initial":
            return self.last[:1].upper()
        return ""


@dataclass(frozen=True)
class Extracts:
    left: tuple[Record, ...]
    right: tuple[Record, ...]

    @property
    def true_pairs(self) -> frozenset[tuple[str, str]]:
        by_person = {r.person: r.record_id for r in self.right}
        return frozenset(
            (r.record_id, by_person[r.person]) for r in self.left if r.person in by_person
        )


def _state_id(person: str) -> str:
    number = sum((ord(ch) * 131**i) for i, ch in enumerate(person))
    return f"CT{number % 10_000_000:07d}"


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def make_extracts(
    people: Sequence[dict[str, str]], size: int, seed: int, twins: int = 3
) -> Extracts:
    """Two agencies' extracts of ``size`` records each, drawn from ``people`` with ``seed``.

    Agency A's extract holds ``size`` records, among them ``twins`` twins (same last name,
    birth date and ZIP as a sibling). Agency B's holds 90 % of A's people and the twins
    (kit rule of thumb), in another order and with the errors of :data:`RATES`, filled up
    to ``size`` with people A does not have.
    """
    rng = random.Random(seed)
    drawn = rng.sample(list(people), min(size + size // 5 + 1, len(people)))
    rows = []
    for row in drawn:
        first, _, last = row["name"].partition(" ")
        born = date.fromisoformat(row["birth_date"])
        rows.append((row["id"], first, last or first, born, row["zip"]))
    twins = min(twins, size // 10)
    in_a = rows[: size - twins]
    for k in range(twins):  # twins: same last name, birth date and ZIP as a sibling
        pid, first, last, born, zip_code = in_a[k * 7]
        in_a.append((f"{pid}T", first[::-1].capitalize(), last, born, zip_code))
    left = tuple(
        Record("A", f"A{n:04d}", _state_id(pid), first, last, born, zip_code, pid)
        for n, (pid, first, last, born, zip_code) in enumerate(in_a, 1)
    )
    shared = [r for r in in_a if r[0].endswith("T") or rng.random() < 0.9]
    only_b = rows[size - twins :][: max(0, size - len(shared))]
    in_b = shared + only_b
    rng.shuffle(in_b)
    right = []
    for n, (pid, first, last, born, zip_code) in enumerate(in_b, 1):
        state_id = _state_id(pid)
        if rng.random() < RATES["typo"]:
            last = _typo(rng, last)
        if rng.random() < RATES["nickname"] and len(first) > 3:
            first = first[:3]
        if rng.random() < RATES["swap_day_month"] and born.day <= 12 and born.day != born.month:
            born = born.replace(month=born.day, day=born.month)
        roll = rng.random()
        if roll < RATES["no_id"]:
            state_id = ""
        elif roll < RATES["no_id"] + RATES["other_id"]:
            state_id = _state_id(pid + "-2")
        right.append(Record("B", f"B{n:04d}", state_id, first, last, born, zip_code, pid))
    return Extracts(left, tuple(right))


# --------------------------------------------------------------------------- comparing


def comparisons(extracts: Extracts, blocking: str) -> int:
    """How many pairs are compared: every pair without blocking, else within blocks."""
    if blocking == "none":
        return len(extracts.left) * len(extracts.right)
    counts: dict[str, int] = defaultdict(int)
    for r in extracts.right:
        counts[r.block_key(blocking)] += 1
    return sum(counts.get(r.block_key(blocking), 0) for r in extracts.left)


def _near(a: str, b: str) -> bool:
    """One letter different, added or swapped with its neighbour (a typo)."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diff) == 1 or (
            len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]
        )
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def score(a: Record, b: Record) -> int:
    """The kit's simple probabilistic score of a pair (a rule of thumb, see :data:`WEIGHTS`)."""
    points = 0
    if a.state_id and a.state_id == b.state_id:
        points += WEIGHTS["id"]
    if a.last.lower() == b.last.lower():
        points += WEIGHTS["last"]
    elif _near(a.last.lower(), b.last.lower()):
        points += WEIGHTS["last_near"]
    if a.first.lower() == b.first.lower():
        points += WEIGHTS["first"]
    elif a.first[:3].lower() == b.first[:3].lower() or a.first[:1] == b.first[:1]:
        points += WEIGHTS["first_initial"]
    if a.birth_date == b.birth_date:
        points += WEIGHTS["birth_date"]
    elif (a.birth_date.year, a.birth_date.month, a.birth_date.day) == (
        b.birth_date.year,
        b.birth_date.day,
        b.birth_date.month,
    ):
        points += WEIGHTS["birth_swapped"]
    if a.zip == b.zip:
        points += WEIGHTS["zip"]
    return points


@dataclass(frozen=True)
class LinkResult:
    method: str
    blocking: str
    threshold: int
    comparisons: int
    linked: int
    right: int
    false_matches: int
    missed_matches: int

    @property
    def true_total(self) -> int:
        return self.right + self.missed_matches


def _pairs(extracts: Extracts, blocking: str) -> Iterable[tuple[Record, Record]]:
    if blocking == "none":
        for a in extracts.left:
            for b in extracts.right:
                yield a, b
        return
    blocks: dict[str, list[Record]] = defaultdict(list)
    for b in extracts.right:
        blocks[b.block_key(blocking)].append(b)
    for a in extracts.left:
        for b in blocks.get(a.block_key(blocking), ()):
            yield a, b


def link(
    extracts: Extracts, method: str, blocking: str = "none", threshold: int = 10
) -> LinkResult:
    """Link the extracts one way and count what it got right, falsely and missed.

    ``exact_id`` and ``name_birth_date`` are deterministic: a pair links only when the
    fields are equal (and present). ``probabilistic`` links each record of agency A to its
    best-scoring record of agency B when the score reaches ``threshold``. Blocking limits
    the pairs compared, for every method.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of: {', '.join(METHODS)}")
    if blocking not in BLOCKING:
        raise ValueError(f"unknown blocking {blocking!r}; expected one of: {', '.join(BLOCKING)}")
    linked: set[tuple[str, str]] = set()
    if method == "probabilistic":
        best: dict[str, tuple[int, str]] = {}
        for a, b in _pairs(extracts, blocking):
            s = score(a, b)
            if s >= threshold and s > best.get(a.record_id, (-1, ""))[0]:
                best[a.record_id] = (s, b.record_id)
        linked = {(a, b) for a, (_, b) in best.items()}
    else:
        index: dict[tuple, list[Record]] = defaultdict(list)
        for b in extracts.right:
            index[_key(method, b, blocking)].append(b)
        for a in extracts.left:
            key = _key(method, a, blocking)
            if key[0]:
                linked |= {(a.record_id, b.record_id) for b in index.get(key, ())}
    truth = extracts.true_pairs
    right = len(linked & truth)
    return LinkResult(
        method,
        blocking,
        threshold,
        comparisons(extracts, blocking),
        len(linked),
        right,
        len(linked - truth),
        len(truth - linked),
    )


def _key(method: str, r: Record, blocking: str) -> tuple:
    block = r.block_key(blocking)
    if method == "exact_id":
        return (r.state_id, block)
    return (f"{r.first.lower()}|{r.last.lower()}|{r.birth_date.isoformat()}", block)
