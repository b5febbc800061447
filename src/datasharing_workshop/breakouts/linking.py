"""Breakout 6, linking datasets: join two agencies' records of the same people.

The playbook's *Linking Datasets* chapter (section ``linking-datasets``) is the source of
the facts: deterministic linking (fields equal) against probabilistic linking (several
fields scored), blocking (two sets of 100 records make 10,000 pairs), and the trade-off
between false matches and missed matches, where the use decides which error to keep
down. Everything the group works on comes from :mod:`..rules.linking`.

Items: the method, the blocking field, the threshold and which error matters more for
the scenario's stated use, each with the scenario file's own explanation.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..content.catalogue import Catalogue
from ..content.models import Entry, Id, Text
from ..errors import Problem
from ..rules.deidentification import data_folder
from ..rules.linking import BLOCKING, MAX_SCORE, METHODS, Extracts, link, make_extracts
from .base import (
    Breakout,
    Evaluation,
    Feedback,
    FeedbackItem,
    ItemMark,
    Kind,
    ScenarioBase,
    Where,
    blank_evaluation,
    pinned_problems,
    section_link,
)

ERRORS = ("false_match", "missed_match")

#: Every choice a group makes. Each reads as the message ``linking_<id>`` of
#: exercises/messages.yaml, which a jurisdiction may reword.
CHOICES = (*METHODS, *BLOCKING, *ERRORS)


def choice_label(catalogue: Catalogue, choice: str) -> str:
    """How ``choice`` reads; an id that is no choice (an old saved answer) reads as itself."""
    return catalogue.messages.get(f"linking_{choice}", choice)


def either(catalogue: Catalogue, ids: Sequence[str]) -> str:
    """ "Birth year or ZIP code": labels after the first lose their capital (not an acronym's)."""
    names = [choice_label(catalogue, i) for i in ids]
    later = [n if n[1:2].isupper() else n[:1].lower() + n[1:] for n in names[1:]]
    return " or ".join(names[:1] + later)


class LinkingKey(Entry):
    method: list[Id] = Field(min_length=1, description="the linking methods that are right")
    blocking: list[Id] = Field(min_length=1, description="the blocking fields that are right")
    threshold_min: int = Field(ge=1, description="lowest right threshold of the score")
    threshold_max: int = Field(ge=1, description="highest right threshold of the score")
    error: Literal["false_match", "missed_match"] = Field(
        description="the error that matters more for this use"
    )


class LinkingExplanations(Entry):
    method: Text
    blocking: Text
    threshold: Text
    error: Text


class LinkingScenario(ScenarioBase):
    data: str = Field("people.csv", description="the CSV file of invented people")
    size: int = Field(100, ge=10, le=5000, description="records in each agency's extract")
    seed: int = Field(description="seed of the extracts: the same seed, the same records")
    use: Text = Field(description="what the linked data is for, in the group's words")
    key: LinkingKey
    explanations: LinkingExplanations
    expected_comparisons: int | None = Field(
        None, description="pairs compared without blocking (checked by the rules)"
    )


@cache
def _people(path: str) -> tuple[dict[str, str], ...]:
    with open(path, newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


@cache
def _extracts(data: str, size: int, seed: int) -> Extracts:
    return make_extracts(_people(str(Path(data_folder()) / data)), size, seed)


def extracts(scenario: LinkingScenario) -> Extracts:
    """The scenario's two extracts (made once per process)."""
    return _extracts(scenario.data, scenario.size, scenario.seed)


def check_linking(
    catalogue: Catalogue, scenario: LinkingScenario, answer: Mapping[str, Any]
) -> Evaluation:
    """Judge a group's method, blocking field, threshold and choice of the error that matters.

    ``answer``: ``{"method", "blocking", "threshold", "error"}``; the result of linking with
    the group's settings is added to the saved answer (links, false and missed matches).
    """
    method = str(answer.get("method") or "")
    blocking = str(answer.get("blocking") or "")
    error = str(answer.get("error") or "")
    threshold = answer.get("threshold")
    if not isinstance(threshold, int) or isinstance(threshold, bool):
        threshold = None
    saved: dict[str, Any] = {
        "method": method,
        "blocking": blocking,
        "threshold": threshold,
        "error": error,
    }
    if not (method or blocking or error):
        return blank_evaluation(saved)
    key, why = scenario.key, scenario.explanations
    result = None
    if method in METHODS and blocking in BLOCKING:
        result = link(extracts(scenario), method, blocking, threshold or MAX_SCORE)
        saved.update(
            comparisons=result.comparisons,
            linked=result.linked,
            false_matches=result.false_matches,
            missed_matches=result.missed_matches,
        )
    in_range = threshold is not None and key.threshold_min <= threshold <= key.threshold_max
    checks = [
        (
            "method",
            "Method",
            method,
            method in key.method,
            either(catalogue, key.method),
            why.method,
        ),
        (
            "blocking",
            "Blocking",
            blocking,
            blocking in key.blocking,
            either(catalogue, key.blocking),
            why.blocking,
        ),
        (
            "threshold",
            "Threshold",
            "" if threshold is None else str(threshold),
            in_range or (method != "probabilistic" and method in key.method),
            f"{key.threshold_min} to {key.threshold_max}",
            why.threshold,
        ),
        (
            "error",
            "Error that matters more",
            error,
            error == key.error,
            choice_label(catalogue, key.error),
            why.error,
        ),
    ]
    source = section_link(catalogue, scenario.source)
    items, marks, item_marks = [], {}, []
    for item, label, chosen, right, key_words, reason in checks:
        kind: Kind = "right" if right else "wrong"
        marks[item] = kind
        mark = "right" if right else ("missed" if not chosen else "wrong")
        shown = choice_label(catalogue, chosen) if chosen else chosen
        items.append(
            FeedbackItem(kind, label, (f"Your choice: {shown or 'none'}.", reason), (source,))
        )
        item_marks.append(
            ItemMark(item, label, mark, shown, key_words, reason, scenario.source)  # type: ignore[arg-type]
        )
    if result is not None:
        items.append(
            FeedbackItem(
                "info",
                "Your link",
                (
                    f"{result.comparisons:,} pairs compared; {result.linked} links, of which "
                    f"{result.false_matches} join two different people (false matches); "
                    f"{result.missed_matches} true pairs were missed.",
                ),
                (source,),
            )
        )
    right = sum(m.right for m in item_marks)
    correct = right == len(item_marks)
    summary = f"{right} of {len(item_marks)} choices right."
    if correct:
        summary += " Well done."
    return Evaluation(
        answer=saved,
        correct=correct,
        score=round(right / len(item_marks), 4),
        feedback=Feedback(summary, tuple(items)),
        marks=marks,
        items=tuple(item_marks),
    )


class Linking(Breakout):
    id = "linking"
    number = 6
    title = "Linking datasets"
    model = LinkingScenario
    report_note = "Each cell: the group's choice for the step of the link, and the mark."

    def check_content(self, cat: Catalogue, sc: Any, where: Where) -> None:
        super().check_content(cat, sc, where)
        for k, m in enumerate(sc.key.method):
            where.ref(("key", "method", k), m, METHODS, "method")
        for k, b in enumerate(sc.key.blocking):
            where.ref(("key", "blocking", k), b, BLOCKING, "blocking field")
        if sc.key.threshold_min > sc.key.threshold_max:
            where.add(("key", "threshold_min"), "must not be above threshold_max")
        if sc.key.threshold_max > MAX_SCORE:
            where.add(("key", "threshold_max"), f"the score is at most {MAX_SCORE}")
        if not (Path(data_folder()) / sc.data).is_file():
            where.add(("data",), f"no file {sc.data} in the data folder")

    def check_pinned(self, cat: Catalogue, path: Path, scenario_set: str) -> list[Problem]:
        def check(sc: LinkingScenario, where: Where) -> None:
            ex = extracts(sc)
            if sc.expected_comparisons is not None:
                found = link(ex, "exact_id", "none").comparisons
                if found != sc.expected_comparisons:
                    where.add(
                        ("expected_comparisons",),
                        f"the extracts make {found:,} pairs without blocking, not "
                        f"{sc.expected_comparisons:,}",
                    )
            low = link(ex, "probabilistic", sc.key.blocking[0], sc.key.threshold_min)
            high = link(ex, "probabilistic", sc.key.blocking[0], sc.key.threshold_max)
            if high.false_matches > low.false_matches or high.missed_matches < low.missed_matches:
                where.add(
                    ("key", "threshold_max"),
                    "a stricter threshold must not add false matches nor remove missed ones",
                )
            for b in sc.key.blocking:
                if link(ex, "exact_id", b).comparisons >= link(ex, "exact_id", "none").comparisons:
                    where.add(("key", "blocking"), f"blocking on {b} compares no fewer pairs")

        return pinned_problems(cat, self, path, check)

    def grade(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> Evaluation:
        return check_linking(cat, scenario, answer)

    def simulate(
        self, rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
    ) -> dict[str, Any]:
        key = scenario.key
        right = self.right_answer(cat, scenario, scenario_set)
        return {
            "method": right["method"] if rng.random() < skill else rng.choice(METHODS),
            "blocking": right["blocking"] if rng.random() < skill else rng.choice(BLOCKING),
            "threshold": right["threshold"]
            if rng.random() < skill
            else rng.choice([key.threshold_min - 3, key.threshold_max + 3]),
            "error": key.error if rng.random() < skill else rng.choice(ERRORS),
        }

    def right_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        key = scenario.key
        return {
            "method": key.method[0],
            "blocking": key.blocking[0],
            "threshold": (key.threshold_min + key.threshold_max) // 2,
            "error": key.error,
        }

    def wrong_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        key = scenario.key
        return {
            "method": next(m for m in METHODS if m not in key.method),
            "blocking": "none",
            "threshold": max(1, key.threshold_min - 3),
            "error": next(e for e in ERRORS if e != key.error),
        }


BREAKOUT = Linking()
