"""Breakout 6's rules: the derived extracts, exact and scored linking, blocking, errors."""

from __future__ import annotations

import csv

import pytest

from datasharing_workshop.rules.deidentification import data_folder
from datasharing_workshop.rules.linking import (
    BLOCKING,
    comparisons,
    link,
    make_extracts,
    score,
)

with open(data_folder() / "people.csv", encoding="utf-8", newline="") as _file:
    PEOPLE = list(csv.DictReader(_file))


@pytest.fixture(scope="module")
def ex():
    return make_extracts(PEOPLE, 100, 6)


def test_the_same_seed_gives_the_same_extracts(ex):
    assert make_extracts(PEOPLE, 100, 6) == ex
    assert make_extracts(PEOPLE, 100, 7) != ex


def test_two_extracts_of_100_make_the_playbooks_10000_pairs(ex):
    assert len(ex.left) == len(ex.right) == 100
    assert comparisons(ex, "none") == 10_000


def test_extracts_hold_the_errors_the_exercise_needs(ex):
    by_person = {r.person: r for r in ex.right}
    pairs = [(a, by_person[a.person]) for a in ex.left if a.person in by_person]
    assert any(not b.state_id for _, b in pairs)  # missing IDs
    assert any(b.state_id and b.state_id != a.state_id for a, b in pairs)  # different IDs
    assert any(a.last != b.last for a, b in pairs)  # typos
    assert any(a.first != b.first for a, b in pairs)  # shortened first names
    twins = [a for a in ex.left if a.person.endswith("T")]
    assert twins and all(t.person in by_person for t in twins)
    assert all(r.person.startswith("P") for r in ex.left)  # invented people only


@pytest.mark.parametrize("blocking", [b for b in BLOCKING if b != "none"])
def test_blocking_compares_far_fewer_pairs_and_keeps_the_true_ones(ex, blocking):
    blocked = link(ex, "probabilistic", blocking, 10)
    assert blocked.comparisons < comparisons(ex, "none") / 5
    assert blocked.right >= 0.8 * len(ex.true_pairs)


def test_exact_matching_misses_what_the_score_finds(ex):
    exact_id = link(ex, "exact_id")
    name_dob = link(ex, "name_birth_date")
    scored = link(ex, "probabilistic", "birth_year", 10)
    assert exact_id.missed_matches > scored.missed_matches
    assert name_dob.missed_matches > scored.missed_matches


def test_a_stricter_threshold_trades_false_matches_for_missed_ones(ex):
    loose = link(ex, "probabilistic", "none", 5)
    strict = link(ex, "probabilistic", "none", 14)
    assert loose.false_matches > strict.false_matches
    assert loose.missed_matches < strict.missed_matches


def test_a_record_scores_highest_against_itself(ex):
    a = ex.left[0]
    assert score(a, a) == max(score(a, b) for b in ex.left)


def test_unknown_method_or_blocking_is_refused(ex):
    with pytest.raises(ValueError, match="unknown method"):
        link(ex, "guess")
    with pytest.raises(ValueError, match="unknown blocking"):
        link(ex, "exact_id", "shoe_size")


def test_every_linking_choice_reads_from_the_messages():
    """The choices' wording is content (exercises/messages.yaml, checked by the catalogue),
    never a Python literal: a choice added to the rules needs its message declared too."""
    from datasharing_workshop.breakouts.linking import CHOICES, choice_label, either
    from datasharing_workshop.content.catalogue import MESSAGE_PLACEHOLDERS, load_catalogue

    catalogue = load_catalogue("ct")
    for choice in CHOICES:
        assert MESSAGE_PLACEHOLDERS[f"linking_{choice}"] == set()
        assert choice_label(catalogue, choice) == catalogue.messages[f"linking_{choice}"]
    assert either(catalogue, ["birth_year", "zip", "last_initial"]) == (
        "Birth year or ZIP code or first letter of the last name"
    )
