"""Breakout 5, de-identifying and aggregating: share less, still answer the question.

The group starts from a list of invented people and decides, field by field, whether to
keep it, leave it out or share it in less detail (an age band instead of a birth date, a
county instead of a ZIP code), and picks a minimum cell size. The table of counts is
counted and suppressed (:mod:`~datasharing_workshop.rules.suppression`); Check judges the
choices against the scenario's answer key and the catalogue's minimum cell size.

Scoring: one point per field chosen as the answer key says and one for a minimum cell
size at least the catalogue's; ``correct`` means all of them. Items: every field and the
minimum cell size; in a handout the group's own choices and table.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import Field, field_validator

from ..content.catalogue import Catalogue
from ..content.models import Entry, Id, Text
from ..errors import ContentError
from ..rules.deidentification import (
    DROP,
    KEEP,
    OPTIONS,
    Counted,
    Tabulator,
    TooDetailed,
    load_people,
    option_label,
    option_problem,
)
from ..rules.suppression import Suppression
from .base import (
    AnswerBlock,
    Breakout,
    Evaluation,
    Feedback,
    FeedbackItem,
    ItemMark,
    Kind,
    Link,
    ScenarioBase,
    Where,
    escape,
)

#: Rows of a counts table shown; the rest are summarised (a list of people has thousands).
SHOWN_ROWS = 40
PRIMARY_MARK = "●"
COMPLEMENT_MARK = "○"

THRESHOLD_SUBJECT = "Minimum cell size"
RESULT_SUBJECT = "Your table"

# A plain file name: no folders, so a scenario can only name files in the data folder.
_CSV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.csv$")


class DeidentifyField(Entry):
    name: Text = Field(description="a column of the data file")
    description: Text
    options: list[Id] = Field(
        min_length=2, description="ways to share it, from most to least detail, ending in drop"
    )
    answer: list[Id] = Field(min_length=1, description="answer key: the options that are right")
    explanation: str = Field("", description="why, shown when a group's choice differs")


class DeidentifyScenario(ScenarioBase):
    data: str = Field(description="the name of a CSV file in exercises/data")
    as_of: date = Field(description="the day the extract was taken; ages are worked out on it")
    question: Text = Field(description="what the recipient wants to find out")
    only: dict[str, str] = Field(
        {}, description="column -> value: count only these people (for example one program)"
    )
    columns: str = Field(description="the field across the top of the table of counts")
    fields: list[DeidentifyField] = Field(min_length=2)

    @field_validator("data")
    @classmethod
    def _file_name(cls, value: str) -> str:
        if not _CSV_NAME.match(value):
            raise ValueError(
                f"expected the name of a CSV file in exercises/data, such as people.csv, "
                f"not {value!r}"
            )
        return value

    def field(self, name: str) -> DeidentifyField:
        return next(f for f in self.fields if f.name == name)


# One Tabulator per scenario per kernel, so that re-running the notebook cell (or building
# the same exercise again) reuses the counts and suppressions already worked out.
_TABULATORS: dict[str, Tabulator] = {}


def tabulator(scenario: DeidentifyScenario) -> Tabulator:
    """The scenario's people, ready to count (read and worked out once per kernel)."""
    data = load_people(scenario.data)
    key = scenario.model_dump_json()
    found = _TABULATORS.get(key)
    if found is None or found.data is not data:  # new, or the CSV file changed
        found = Tabulator(
            data,
            [f.name for f in scenario.fields],
            {f.name: f.options for f in scenario.fields},
            scenario.columns,
            scenario.as_of,
            scenario.only,
        )
        if len(_TABULATORS) >= 16:
            _TABULATORS.pop(next(iter(_TABULATORS)))
        _TABULATORS[key] = found
    return found


def answer_choices(scenario: DeidentifyScenario) -> dict[str, str]:
    """The answer key's first right option for every field."""
    return {f.name: f.answer[0] for f in scenario.fields}


def starting_choices(scenario: DeidentifyScenario) -> dict[str, str]:
    """Before the group decides, every field is kept: the list as it stands."""
    return {f.name: (KEEP if KEEP in f.options else f.options[0]) for f in scenario.fields}


# --------------------------------------------------------------------------- the verdict


def either_words(options: Sequence[str]) -> str:
    return " or ".join(option_label(o) for o in options)


def field_feedback(
    catalogue: Catalogue, field: DeidentifyField, choice: str
) -> tuple[Kind, tuple[str, ...]]:
    """The verdict on one field's choice, and why."""
    if choice in field.answer:
        return "right", (catalogue.message("deid_right", choice=option_label(choice)),)
    if field.answer == [DROP]:
        sentence = catalogue.message("deid_not_needed", choice=option_label(choice))
    elif choice == DROP:
        sentence = catalogue.message("deid_needed", answer=either_words(field.answer))
    else:
        order = field.options
        finest = min(order.index(o) for o in field.answer)
        key = "deid_too_detailed" if order.index(choice) < finest else "deid_too_coarse"
        sentence = catalogue.message(
            key, choice=option_label(choice), answer=either_words(field.answer)
        )
    return "wrong", (sentence, field.explanation) if field.explanation else (sentence,)


def result_sentences(catalogue: Catalogue, result: Suppression | TooDetailed) -> tuple[str, ...]:
    """How much the table hides, in words."""
    if isinstance(result, TooDetailed):
        return (
            catalogue.message(
                "deid_table_too_big", cells=f"{result.cells:,}", people=f"{result.people:,}"
            ),
        )
    out = [
        catalogue.message(
            "deid_hidden",
            cells=f"{result.hidden_cells:,}",
            total=f"{result.inner_cells:,}",
            people=f"{result.hidden_people:,}",
            everyone=f"{result.table.grand_total:,}",
            share=f"{result.hidden_share:.0%}",
        )
    ]
    if result.hidden_totals:
        out.append(catalogue.message("deid_totals_hidden", count=f"{result.hidden_totals:,}"))
    return tuple(out)


def check_deidentification(
    catalogue: Catalogue,
    scenario: DeidentifyScenario,
    choices: Mapping[str, str],
    threshold: int,
    result: Suppression | TooDetailed,
) -> Evaluation:
    """Judge a group's choices for one scenario.

    Parameters
    ----------
    choices
        Field name -> option id; a missing or unknown option counts as "keep".
    threshold
        The minimum cell size the group chose.
    result
        The suppressed table for these choices (the widget has it already), or
        :class:`~datasharing_workshop.rules.deidentification.TooDetailed` when it has too many
        counts to count.

    Returns
    -------
    Evaluation
        ``answer`` is ``{"fields": {...}, "min_cell_size": k, "hidden_cells": n,
        "hidden_people": n, "cells": n}`` (the last three ``None`` for a table too detailed
        to count); ``marks`` has every field name and ``"min_cell_size"``.
    """
    items: list[FeedbackItem] = []
    marks: dict[str, Kind] = {}
    chosen: dict[str, str] = {}
    right = 0
    section = catalogue.section(scenario.source)
    for f in scenario.fields:
        choice = choices.get(f.name)
        choice = choice if choice in f.options else (KEEP if KEEP in f.options else f.options[0])
        chosen[f.name] = choice
        kind, sentences = field_feedback(catalogue, f, choice)
        marks[f.name] = kind
        right += kind == "right"
        items.append(FeedbackItem(kind, f.name, sentences, (Link(section.title, section.url),)))

    settings = catalogue.jurisdiction.settings
    rule = settings.min_cell_size
    rule_section = catalogue.section(settings.min_cell_size_source)
    if threshold < rule:
        kind, key = "wrong", "deid_threshold_low"
    elif threshold == rule:
        kind, key = "right", "deid_threshold_ok"
    else:
        kind, key = "right", "deid_threshold_strict"
    marks["min_cell_size"] = kind
    right += kind == "right"
    items.append(
        FeedbackItem(
            kind,
            THRESHOLD_SUBJECT,
            (catalogue.message(key, size=threshold, rule=rule),),
            (Link(rule_section.title, rule_section.url),),
        )
    )
    items.append(
        FeedbackItem(
            "info",
            RESULT_SUBJECT,
            result_sentences(catalogue, result),
            (Link(rule_section.title, rule_section.url),),
        )
    )
    total = len(scenario.fields) + 1
    correct = right == total
    summary = f"{right} of {total} choices right."
    if correct:
        summary += " Well done: the table answers the question and points to no one."
    counted = isinstance(result, Suppression)
    item_marks = []
    for f in scenario.fields:
        kind, sentences = field_feedback(catalogue, f, chosen[f.name])
        item_marks.append(
            ItemMark(
                item=f.name,
                label=f.name,
                mark="right" if kind == "right" else _field_mark(f, chosen[f.name]),
                chosen=option_label(chosen[f.name]),
                key=either_words(f.answer),
                reason=" ".join(sentences),
                source=scenario.source,
            )
        )
    item_marks.append(
        ItemMark(
            item="min_cell_size",
            label=THRESHOLD_SUBJECT,
            mark="right" if marks["min_cell_size"] == "right" else "wrong",
            chosen=str(threshold),
            key=f"{rule} or more",
            reason=catalogue.message(key, size=threshold, rule=rule),
            source=settings.min_cell_size_source,
        )
    )
    return Evaluation(
        items=tuple(item_marks),
        answer={
            "fields": chosen,
            "min_cell_size": threshold,
            "hidden_cells": result.hidden_cells if counted else None,
            "hidden_people": result.hidden_people if counted else None,
            "cells": result.inner_cells if counted else None,
        },
        correct=correct,
        score=round(right / total, 4),
        feedback=Feedback(summary, tuple(items)),
        marks=marks,
    )


def _field_mark(field: DeidentifyField, choice: str) -> str:
    """A field left in that the table does not need is "not needed"; else "wrong"."""
    return "not_needed" if field.answer == [DROP] else "wrong"


def scenario_result(
    scenario: DeidentifyScenario, choices: Mapping[str, str], threshold: int
) -> Suppression | TooDetailed:
    """The suppressed table a group's choices make (or why it is too detailed to count)."""
    try:
        return tabulator(scenario).suppressed(dict(choices), threshold)
    except TooDetailed as exc:
        return exc


# --------------------------------------------------------------------------- the table


def legend_html(catalogue: Catalogue, threshold: int) -> str:
    """What the marks in the table mean, and what happens to zeros."""
    return (
        f'<p class="dsw-legend"><strong>{PRIMARY_MARK}</strong> hidden: fewer than '
        f"{threshold} people. <strong>{COMPLEMENT_MARK}</strong> hidden as well, so that no "
        f"{PRIMARY_MARK} can be worked out from the totals. "
        f"{escape(catalogue.message('deid_zeros'))}</p>"
    )


def _cell(result: Suppression, cell: tuple[int, int]) -> str:
    if cell in result.primary:
        return f"<td><strong>{PRIMARY_MARK}</strong></td>"
    if cell in result.complementary:
        return f"<td><strong>{COMPLEMENT_MARK}</strong></td>"
    return f"<td>{result.table.value(cell):,}</td>"


def counts_table(counted: Counted, result: Suppression, column_field: str) -> str:
    """The table as it would be published: hidden counts shown by their mark only."""
    table = counted.table
    row_heads = list(counted.row_fields) or ["Who"]
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in row_heads)
    head += "".join(f'<th scope="col">{escape(c)}</th>' for c in table.column_labels)
    head += '<th scope="col">Total</th>'
    rows = []
    for i, key in enumerate(counted.row_keys[:SHOWN_ROWS]):
        labels = "".join(f'<th scope="row">{escape(v)}</th>' for v in key)
        cells = "".join(_cell(result, (i, j)) for j in range(table.n_columns + 1))
        rows.append(f"<tr>{labels}{cells}</tr>")
    if not counted.row_fields:
        rows = [
            f'<tr><th scope="row">{escape(table.row_labels[0])}</th>'
            + "".join(_cell(result, (0, j)) for j in range(table.n_columns + 1))
            + "</tr>"
        ]
    more = table.n_rows - SHOWN_ROWS
    if more > 0:
        rows.append(
            f'<tr><td colspan="{len(row_heads) + table.n_columns + 1}"><em>… and {more:,} more '
            f"rows, not shown.</em></td></tr>"
        )
    totals = "".join(_cell(result, (table.n_rows, j)) for j in range(table.n_columns + 1))
    rows.append(f'<tr><th scope="row" colspan="{len(row_heads)}">Total</th>{totals}</tr>')
    caption = (
        f"Counts by {', '.join(counted.row_fields) or 'everyone'} and {column_field}: "
        f"{table.n_rows:,} rows, as they would be published"
    )
    return (
        f'<table class="dsw-table dsw-counts"><caption>{escape(caption)}</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


class Deidentify(Breakout):
    id = "deidentify"
    number = 5
    title = "De-identifying and aggregating"
    model = DeidentifyScenario
    report_note = (
        "Each cell: how the group shares the field (or its minimum cell size), and the mark."
    )

    def check_content(self, cat: Catalogue, sc: Any, where: Where) -> None:
        super().check_content(cat, sc, where)
        try:
            data = load_people(sc.data)
        except ContentError as exc:
            first = exc.problems[0]
            if first.line is not None:  # a fault inside the data file: name the file and line
                where.problems.append(first)
            else:
                where.add(("data",), f"{sc.data}: {first.message}")
            return
        names = [f.name for f in sc.fields]
        for i, f in enumerate(sc.fields):
            loc = ("fields", i)
            if names.index(f.name) != i:
                where.add((*loc, "name"), f"duplicate field name '{f.name}'")
            if not where.ref((*loc, "name"), f.name, data.fields, f"{sc.data} column"):
                continue
            usable = True
            for k, option in enumerate(f.options):
                if not where.ref((*loc, "options", k), option, OPTIONS, "option"):
                    usable = False
                    continue
                problem = option_problem(data, f.name, option)
                if problem:
                    where.add((*loc, "options", k), problem)
            if usable and f.options[-1] != DROP:
                where.add(
                    (*loc, "options"), "list `drop` last: a group may always leave a field out"
                )
            for k, option in enumerate(f.answer):
                if option not in f.options:
                    where.add(
                        (*loc, "answer", k),
                        f"'{option}' is not one of this field's options ({', '.join(f.options)})",
                    )
            if f.name == sc.columns and DROP in f.answer:
                where.add(
                    (*loc, "answer"),
                    f"'{f.name}' is the table's `columns` field, so the answer cannot leave it out",
                )
            if f.name == sc.columns and KEEP not in f.options:
                where.add((*loc, "options"), "the `columns` field must offer `keep`")
        where.ref(("columns",), sc.columns, names, "field (from `fields`)")
        for name, value in sc.only.items():
            if where.ref(("only", name), name, data.fields, f"{sc.data} column") and (
                value not in data.columns[name]
            ):
                where.add(("only", name), f"no one in {sc.data} has {name} '{value}'")

    def grade(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> Evaluation:
        fields = answer.get("fields")
        choices = {str(k): str(v) for k, v in fields.items()} if isinstance(fields, Mapping) else {}
        threshold = answer.get("min_cell_size")
        if not isinstance(threshold, int) or isinstance(threshold, bool):
            threshold = cat.jurisdiction.settings.min_cell_size
        return check_deidentification(
            cat, scenario, choices, threshold, scenario_result(scenario, choices, threshold)
        )

    def answer_rows(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> list[tuple[str, str]]:
        """The group's own choices, field by field, then its minimum cell size and table."""
        fields = answer.get("fields") if isinstance(answer.get("fields"), Mapping) else {}
        rows = [(f.name, option_label(str(fields.get(f.name) or KEEP))) for f in scenario.fields]
        rows.append((THRESHOLD_SUBJECT, str(answer.get("min_cell_size", ""))))
        if answer.get("cells") is not None:
            rows.append(
                (
                    RESULT_SUBJECT,
                    f"{answer.get('cells')} counts, {answer.get('hidden_cells')} hidden "
                    f"({answer.get('hidden_people')} people in hidden cells)",
                )
            )
        return rows

    def answer_block(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> AnswerBlock:
        """The group's choices, then the table of counts those choices make, as published."""
        rows = self.answer_rows(cat, scenario, answer, scenario_set)
        saved = answer.get("fields") if isinstance(answer.get("fields"), Mapping) else {}
        choices = {
            f.name: str(saved.get(f.name)) if saved.get(f.name) in f.options else KEEP
            for f in scenario.fields
        }
        threshold = answer.get("min_cell_size")
        if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
            return AnswerBlock(rows=rows)
        try:
            counted = tabulator(scenario).table(choices)
            result = tabulator(scenario).suppressed(choices, threshold)
        except TooDetailed:  # nothing to show but the choices (the rows say so)
            return AnswerBlock(rows=rows)
        table = counts_table(counted, result, scenario.columns) + legend_html(cat, threshold)
        return AnswerBlock(rows=rows, html=table)

    def simulate(
        self, rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
    ) -> dict[str, Any]:
        choices = {}
        for f in scenario.fields:
            if rng.random() < skill:
                choices[f.name] = f.answer[0]
            else:
                choices[f.name] = rng.choice(f.options)
        rule = cat.jurisdiction.settings.min_cell_size
        threshold = rule if rng.random() < skill else max(1, rule - rng.choice([1, 2, 3]))
        return self._answer(cat, scenario, choices, threshold)

    def right_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        choices = {f.name: f.answer[0] for f in scenario.fields}
        return self._answer(cat, scenario, choices, cat.jurisdiction.settings.min_cell_size)

    def wrong_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        choices = {
            f.name: next((o for o in f.options if o not in f.answer), f.answer[0])
            for f in scenario.fields
        }
        return self._answer(cat, scenario, choices, cat.jurisdiction.settings.min_cell_size)

    @staticmethod
    def _answer(cat: Catalogue, scenario: Any, choices: dict[str, str], threshold: int):
        result = scenario_result(scenario, choices, threshold)
        counted = isinstance(result, Suppression)
        return {
            "fields": choices,
            "min_cell_size": threshold,
            "hidden_cells": result.hidden_cells if counted else None,
            "hidden_people": result.hidden_people if counted else None,
            "cells": result.inner_cells if counted else None,
        }


BREAKOUT = Deidentify()
