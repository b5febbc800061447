"""Breakout 1, classifying data: a category and a governing rule for each field of a dataset.

Scoring: each field is worth one point, half for the category (a quarter when the group
chose the wider category the right one belongs to, such as PII for PHI) and half for the
governing rule. ``correct`` means every field is fully right. Items: one per field.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import Field, field_validator

from ..content.catalogue import Catalogue
from ..content.models import Entry, Id, Text
from ..rules.reasons import with_basis
from ..rules.sensitivity import dataset_sensitivity, lineage
from .base import (
    Breakout,
    Evaluation,
    Feedback,
    FeedbackItem,
    ItemMark,
    Kind,
    Link,
    Mark,
    ScenarioBase,
    Where,
    blank_evaluation,
    section_link,
    weighted,
)

NOT_CHOSEN = ""
#: The rule answer meaning "no special rule governs this field".
NO_RULE = "none"
NO_RULE_LABEL = "None: no special rule"

# SSN-like values must never be real: the Social Security Administration never issues
# numbers starting with 9, 000 or 666, or with 00 in the middle or 0000 at the end.
_SSN = re.compile(r"\b(\d{3})-?(\d{2})-?(\d{4})\b")


def ssn_is_never_issued(area: str, group: str, serial: str) -> bool:
    return area.startswith("9") or area in ("000", "666") or group == "00" or serial == "0000"


class DatasetField(Entry):
    name: Text
    description: Text
    samples: list[Annotated[str, Field(min_length=1)]] = Field(min_length=2, max_length=3)
    category: Id = Field(description="answer key: the field's category id")
    also_right: list[Id] = Field(
        [], description="other category ids accepted as right (the playbook allows both)"
    )
    rule: Id | None = Field(None, description="answer key: governing rule id, or none")
    explanation: str = Field("", description="why, shown when a group gets it wrong")

    @field_validator("samples", mode="before")
    @classmethod
    def _as_text(cls, value: Any) -> Any:
        # A plain number such as 412 arrives as an int; samples are shown as text. (06106,
        # yes or 1:30 already arrive as written: see yaml_source.data_as_written.)
        return [str(v) for v in value] if isinstance(value, list) else value

    @field_validator("samples")
    @classmethod
    def _synthetic(cls, value: list[str]) -> list[str]:
        for sample in value:
            for match in _SSN.finditer(sample):
                if not ssn_is_never_issued(*match.groups()):
                    raise ValueError(
                        f"sample {sample!r} looks like a real Social Security number; use a "
                        "never-issued range (starting with 9, 000 or 666)"
                    )
        return value


class Dataset(Entry):
    name: Text
    fields: list[DatasetField] = Field(min_length=2)


class ClassifyScenario(ScenarioBase):
    dataset: Dataset


# --------------------------------------------------------------------------- the verdict


def check_classification(
    catalogue: Catalogue, scenario: ClassifyScenario, answers: Mapping[str, Mapping[str, str]]
) -> Evaluation:
    """Judge a group's classification of every field of a scenario's dataset.

    Parameters
    ----------
    answers
        ``{field name: {"category": id, "rule": id or "none"}}``; missing or ``""`` means
        not chosen.

    Returns
    -------
    Evaluation
        ``answer`` as it is saved (every field, in dataset order), ``marks`` per field name,
        one item per field. Nothing chosen at all gives a blank evaluation.
    """
    items: list[FeedbackItem] = []
    marks: dict[str, Kind] = {}
    item_marks: list[ItemMark] = []
    saved: dict[str, dict[str, str]] = {}
    points = 0.0
    right = 0
    fields = scenario.dataset.fields
    for f in fields:
        given = answers.get(f.name, {})
        saved[f.name] = {
            "category": str(given.get("category") or NOT_CHOSEN),
            "rule": str(given.get("rule") or NOT_CHOSEN),
        }
    if not any(a["category"] or a["rule"] for a in saved.values()):
        return blank_evaluation(saved)
    for f in fields:
        chosen_cat, chosen_rule = saved[f.name]["category"], saved[f.name]["rule"]
        key_cat = catalogue.categories[f.category]
        key_rule = f.rule or NO_RULE
        if chosen_cat == f.category or chosen_cat in f.also_right:
            cat_kind: Kind = "right"
        elif chosen_cat and chosen_cat in lineage(catalogue, f.category)[1:]:
            cat_kind = "nearly"
        else:
            cat_kind = "wrong"
        rule_right = chosen_rule == key_rule
        points += {"right": 0.5, "nearly": 0.25}.get(cat_kind, 0.0) + (0.5 if rule_right else 0.0)
        field_sentence = _field_sentence(catalogue, f.name, key_cat)
        links = [section_link(catalogue, key_cat.source)]
        rule_sentence = _rule_sentence(catalogue, f.rule)
        mark: Mark
        if cat_kind == "right" and rule_right:
            right += 1
            marks[f.name] = mark = "right"
            items.append(
                FeedbackItem("right", f.name, (field_sentence, rule_sentence), tuple(links))
            )
        else:
            kind: Kind = "nearly" if cat_kind != "wrong" else "wrong"
            marks[f.name] = kind
            mark = "missed" if not chosen_cat else kind  # type: ignore[assignment]
            sentences = [_your_answer(catalogue, chosen_cat, chosen_rule)]
            if f.explanation:
                sentences.append(f.explanation)
            sentences.append(field_sentence)
            if not rule_right:
                sentences.append(rule_sentence)
                if f.rule:
                    rule = catalogue.governing_rules[f.rule]
                    sentences.append(rule.summary)
                    links.append(section_link(catalogue, rule.source))
            items.append(FeedbackItem(kind, f.name, tuple(sentences), tuple(links)))
        item_marks.append(
            ItemMark(
                item=f.name,
                label=f.name,
                mark=mark,
                chosen=_answer_words(catalogue, chosen_cat, chosen_rule),
                key=_answer_words(catalogue, f.category, key_rule),
                reason=f.explanation or field_sentence,
                source=key_cat.source,
            )
        )

    truth = dataset_sensitivity(catalogue, {f.name: f.category for f in fields})
    chosen = {name: a["category"] for name, a in saved.items()}
    if all(chosen.values()):
        theirs = dataset_sensitivity(catalogue, chosen)
        if theirs.level.id != truth.level.id:
            items.append(
                FeedbackItem(
                    "wrong",
                    "Whole dataset",
                    (
                        catalogue.message(
                            "dataset_your_level",
                            theirs=theirs.level.label,
                            level=truth.level.label,
                        ),
                    ),
                )
            )
    for reason in truth.reasons:
        subject = "Together" if reason is not truth.reasons[0] else "Whole dataset"
        items.append(FeedbackItem("info", subject, (reason.text,), (Link.from_reason(reason),)))

    total = len(fields)
    correct = right == total
    summary = f"{right} of {total} fields right."
    if correct:
        summary += " Well done: every field is right."
    return Evaluation(
        answer=saved,
        correct=correct,
        score=round(points / total, 4),
        feedback=Feedback(summary, tuple(items)),
        marks=marks,
        items=tuple(item_marks),
    )


def category_name(catalogue: Catalogue, category_id: str) -> str:
    found = catalogue.categories.get(category_id)
    return found.short if found else (category_id or "no category chosen")


def rule_name(catalogue: Catalogue, rule_id: str) -> str:
    if rule_id == NO_RULE:
        return "no special rule"
    found = catalogue.governing_rules.get(rule_id)
    return found.name if found else (rule_id or "no rule chosen")


def confusion_pairs(
    catalogue: Catalogue, scenario: ClassifyScenario, answer: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(key category, chosen category) per field, as short labels, for the confusion chart."""
    out = []
    for f in scenario.dataset.fields:
        given = answer.get(f.name)
        chosen = str(given.get("category") or "") if isinstance(given, Mapping) else ""
        key = category_name(catalogue, f.category)
        out.append((key, category_name(catalogue, chosen) if chosen else "(none chosen)"))
    return out


def _answer_words(catalogue: Catalogue, category: str, rule: str) -> str:
    if not category and not rule:
        return ""
    return f"{category_name(catalogue, category)}; {rule_name(catalogue, rule)}"


def _field_sentence(catalogue: Catalogue, name: str, category: Any) -> str:
    # A quasi-identifier's own level is "public", so the usual "... that makes it public"
    # would contradict the "together they identify" note; its definition says both halves.
    if category.combination is not None:
        return with_basis(
            catalogue,
            category.basis,
            catalogue.message(
                "field_quasi", field=name, category=category.name, definition=category.definition
            ),
        )
    level = catalogue.level(category.level)
    return with_basis(
        catalogue,
        category.basis,
        catalogue.message("field_level", field=name, category=category.name, level=level.label),
    )


def _rule_sentence(catalogue: Catalogue, rule_id: str | None) -> str:
    if rule_id is None:
        return catalogue.message("field_no_rule")
    rule = catalogue.governing_rules[rule_id]
    return catalogue.message("field_rule", rule=rule.name, full_name=rule.full_name)


def _your_answer(catalogue: Catalogue, category: str, rule: str) -> str:
    cat = catalogue.categories[category].name if category in catalogue.categories else None
    if rule == NO_RULE:
        rule_text = NO_RULE_LABEL
    elif rule in catalogue.governing_rules:
        rule_text = catalogue.governing_rules[rule].name
    else:
        rule_text = None
    return (
        f"Your answer: {cat or 'no category chosen'}; governing rule: {rule_text or 'none chosen'}."
    )


# --------------------------------------------------------------------------- rehearsal


def _wrong_category(rng: random.Random, cat: Catalogue, key: str) -> str:
    """A plausible mistake: a related category (wider, narrower, same level) is likelier."""
    key_cat = cat.categories[key]
    options = []
    for other in cat.categories.values():
        if other.id == key:
            continue
        related = (
            other.id == key_cat.parent
            or other.parent == key
            or (other.parent is not None and other.parent == key_cat.parent)
            or other.level == key_cat.level
            or (key_cat.combination is not None and other.id == key_cat.combination.counts_as)
        )
        options.append((other.id, 6.0 if related else 0.4))
    return weighted(rng, options)


class ClassifyData(Breakout):
    id = "classify_data"
    number = 1
    title = "Classifying data"
    model = ClassifyScenario
    report_note = "Each cell: the category and governing rule chosen for the field, and the mark."
    report_chart = "confusion"

    def confusion_pairs(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any]
    ) -> list[tuple[str, str]]:
        return confusion_pairs(cat, scenario, answer)

    def confusion_order(self, cat: Catalogue) -> list[str]:
        return [c.short for c in cat.categories.values()]

    def check_content(self, cat: Catalogue, sc: Any, where: Where) -> None:
        super().check_content(cat, sc, where)
        names: set[str] = set()
        for i, f in enumerate(sc.dataset.fields):
            loc = ("dataset", "fields", i)
            if f.name in names:
                where.add((*loc, "name"), f"duplicate field name '{f.name}'")
            names.add(f.name)
            ok = where.ref((*loc, "category"), f.category, cat.categories, "category")
            for k, other in enumerate(f.also_right):
                where.ref((*loc, "also_right", k), other, cat.categories, "category")
            if f.rule is not None and where.ref(
                (*loc, "rule"), f.rule, cat.governing_rules, "rule"
            ):
                covered = cat.governing_rules[f.rule].covers
                if ok and not set(lineage(cat, f.category)) & set(covered):
                    where.add(
                        (*loc, "rule"),
                        f"rule '{f.rule}' does not cover category "
                        f"'{f.category}' (it covers: {', '.join(covered)})",
                    )

    def grade(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> Evaluation:
        given = {k: v for k, v in answer.items() if isinstance(v, Mapping)}
        return check_classification(cat, scenario, given)

    def simulate(
        self, rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
    ) -> dict[str, Any]:
        answers = {}
        for f in scenario.dataset.fields:
            category = f.category if rng.random() < skill else _wrong_category(rng, cat, f.category)
            key_rule = f.rule or NO_RULE
            if category == f.category and rng.random() < skill:
                rule = key_rule
            else:
                covering = [r.id for r in cat.rules_for(category)]
                rule = rng.choice([*covering, NO_RULE]) if covering else NO_RULE
            answers[f.name] = {"category": category, "rule": rule}
        return answers

    def right_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        return {
            f.name: {"category": f.category, "rule": f.rule or NO_RULE}
            for f in scenario.dataset.fields
        }

    def wrong_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        return {
            f.name: {"category": "public" if f.category != "public" else "pii", "rule": NO_RULE}
            for f in scenario.dataset.fields
        }


BREAKOUT = ClassifyData()
