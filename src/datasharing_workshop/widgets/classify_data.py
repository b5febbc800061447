"""Breakout 1, classifying data: choose a category and a governing rule for each field.

The notebook calls :func:`exercises` (every scenario of the set) and, in the facilitator's
cell, :func:`answer_key`. :func:`check_classification` is the pure verdict, used by the
widget and by tests; :func:`build` assembles one scenario's widget from data and callbacks.

Scoring: each field is worth one point, half for the category (a quarter when the group
chose the wider category the right one belongs to, such as PII for PHI) and half for the
governing rule. ``correct`` means every field is fully right.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from ..breakouts.base import DEFAULT_SET, Evaluation
from ..breakouts.classify_data import (
    NO_RULE,
    NO_RULE_LABEL,
    NOT_CHOSEN,
    ClassifyScenario,
    check_classification,
)
from ..breakouts.scenarios import load_scenarios
from ..content.catalogue import Catalogue, load_catalogue
from ..rules.sensitivity import dataset_sensitivity
from ..store import AnswerRecord
from .common import (
    ExerciseBox,
    escape,
    exercise_box,
    feedback_section,
    key_notes_and_source,
    link,
    notebook_api,
    option_label,
    reference_card,
    scenario_header_html,
    static_page,
)

EXERCISE = "classify_data"

CHOOSE_CATEGORY = "— choose a category —"
CHOOSE_RULE = "— choose a rule —"


# --------------------------------------------------------------------------- the verdict


def category_options(catalogue: Catalogue) -> list[tuple[str, str]]:
    return [(CHOOSE_CATEGORY, NOT_CHOSEN)] + [(c.name, c.id) for c in catalogue.categories.values()]


def rule_options(catalogue: Catalogue) -> list[tuple[str, str]]:
    return [(CHOOSE_RULE, NOT_CHOSEN), (NO_RULE_LABEL, NO_RULE)] + [
        (r.name, r.id) for r in catalogue.governing_rules.values()
    ]


# --------------------------------------------------------------------------- HTML pieces


def dictionary_table(
    scenario: ClassifyScenario,
    answers: Mapping[str, Mapping[str, str]] | None = None,
    catalogue: Catalogue | None = None,
) -> str:
    """The scenario's data dictionary as an HTML table.

    With ``answers`` (and ``catalogue``), two more columns show the group's choices, blank
    where nothing is chosen, so a printed copy doubles as a worksheet.
    """
    heads = ["Field", "What it holds", "Examples"]
    if answers is not None:
        heads += ["Category (your answer)", "Governing rule (your answer)"]
    rows = []
    for f in scenario.dataset.fields:
        cells = [
            f'<th scope="row"><code>{escape(f.name)}</code></th>',
            f"<td>{escape(f.description)}</td>",
            "<td>" + "<br>".join(escape(s) for s in f.samples) + "</td>",
        ]
        if answers is not None and catalogue is not None:
            given = answers.get(f.name, {})
            cat = given.get("category", NOT_CHOSEN)
            rule = given.get("rule", NOT_CHOSEN)
            cat_text = option_label(category_options(catalogue), cat) if cat else ""
            rule_text = option_label(rule_options(catalogue), rule) if rule else ""
            cells += [f"<td>{escape(cat_text)}</td>", f"<td>{escape(rule_text)}</td>"]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f'<th scope="col">{h}</th>' for h in heads)
    return (
        f'<table class="dsw-table"><caption>Data dictionary: '
        f"{escape(scenario.dataset.name)}</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def choices_html(catalogue: Catalogue) -> str:
    """The categories and rules to choose from, for printed copies."""
    cats = " · ".join(escape(c.name) for c in catalogue.categories.values())
    rules = " · ".join(
        [escape(r.name) for r in catalogue.governing_rules.values()] + [escape(NO_RULE_LABEL)]
    )
    return (
        f"<p><strong>Categories:</strong> {cats}</p>\n"
        f"<p><strong>Governing rules:</strong> {rules}</p>"
    )


INSTRUCTIONS = (
    "<h3>Your answers</h3>\n<p>For each field, choose the kind of data it holds and the rule "
    "that governs it, then press <strong>Check</strong>. You can change your answers and "
    "check again as often as you like.</p>"
)


# --------------------------------------------------------------------------- the widget


def build(
    catalogue: Catalogue,
    scenario: ClassifyScenario,
    *,
    position: int = 1,
    total: int = 1,
    on_check: Callable[[Evaluation], str] | None = None,
    saved: AnswerRecord | None = None,
    saved_problem: str = "",
) -> ExerciseBox:
    """Build one scenario's exercise widget.

    Parameters
    ----------
    catalogue, scenario
        The facts and the dataset to classify.
    position, total
        "Scenario 2 of 6" in the heading.
    on_check
        Called with each verdict (normally saves it); returns an HTML status line.
    saved
        A saved attempt: its answers are pre-filled and its feedback shown.
    saved_problem
        A message to show when saved answers could not be read.

    Returns
    -------
    ExerciseBox
        With ``category_dropdowns`` and ``rule_dropdowns`` (field name -> Dropdown) and
        ``field_marks`` (field name -> HTML showing "✔ Right" etc. after a Check).
    """
    cat_opts = category_options(catalogue)
    rule_opts = rule_options(catalogue)
    width = max(len(f.name) for f in scenario.dataset.fields) + 2
    previous = saved.answer if saved else {}
    category: dict[str, widgets.Dropdown] = {}
    rule: dict[str, widgets.Dropdown] = {}
    mark: dict[str, widgets.HTML] = {}
    rows = []
    for f in scenario.dataset.fields:
        given = previous.get(f.name) if isinstance(previous.get(f.name), dict) else {}
        category[f.name] = widgets.Dropdown(
            options=cat_opts,
            value=_valid(given.get("category"), cat_opts),
            description=f.name,
            tooltip=f"Category of the field {f.name}",
            style={"description_width": f"{width}ch"},
            layout={"width": f"calc({width}ch + 24em)"},
        )
        rule[f.name] = widgets.Dropdown(
            options=rule_opts,
            value=_valid(given.get("rule"), rule_opts),
            description="Governing rule",
            tooltip=f"Governing rule for the field {f.name}",
            style={"description_width": "8em"},
            layout={"width": "24em"},
        )
        mark[f.name] = widgets.HTML(value="")
        rows.append(
            widgets.HBox(
                [category[f.name], rule[f.name], mark[f.name]],
                layout={"flex_flow": "row wrap", "align_items": "center"},
            )
        )

    def current() -> dict[str, dict[str, str]]:
        return {
            name: {"category": category[name].value, "rule": rule[name].value} for name in category
        }

    def evaluate() -> Evaluation:
        return check_classification(catalogue, scenario, current())

    def show_marks(evaluation: Evaluation) -> None:
        for name, widget in mark.items():
            widget.value = evaluation.mark_html(name)

    header_html = scenario_header_html(scenario, position, total, catalogue)

    def render_static(box: ExerciseBox) -> str:
        return static_page(
            "\n".join(
                [
                    header_html,
                    dictionary_table(scenario, current(), catalogue),
                    choices_html(catalogue),
                    feedback_section(box),
                ]
            )
        )

    header = [
        widgets.HTML(value=header_html),
        widgets.HTML(value=dictionary_table(scenario)),
        widgets.HTML(value=INSTRUCTIONS),
    ]
    box = exercise_box(
        exercise=EXERCISE,
        scenario_id=scenario.id,
        title=scenario.title,
        header=header,
        controls=rows,
        evaluate=evaluate,
        on_check=on_check,
        render_static=render_static,
        show_marks=show_marks,
        saved=saved,
        saved_problem=saved_problem,
    )
    box.category_dropdowns = category
    box.rule_dropdowns = rule
    box.field_marks = mark
    return box


def _valid(value: Any, options: list[tuple[str, str]]) -> str:
    """A saved value if it is still an option (content may have changed), else not chosen."""
    return value if isinstance(value, str) and value in {v for _, v in options} else NOT_CHOSEN


# --------------------------------------------------------------------------- notebook API


exercise, exercises = notebook_api(EXERCISE, build, title="Classifying data")


def guide_html(*, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    cats = "\n".join(
        f'<tr><th scope="row">{escape(c.name)}</th><td>{escape(c.definition)}</td>'
        f"<td>{'; '.join(escape(e) for e in c.examples)}</td>"
        f"<td>{escape(catalogue.level(c.level).label)}</td></tr>"
        for c in catalogue.categories.values()
    )
    rules = "\n".join(
        f'<tr><th scope="row">{escape(r.name)}</th><td>{escape(r.full_name)}</td>'
        f"<td>{', '.join(escape(catalogue.categories[c].short) for c in r.covers)}</td>"
        f"<td>{escape(r.summary)}</td></tr>"
        for r in catalogue.governing_rules.values()
    )
    cat_section = (
        catalogue.section("critical-data-elements")
        if ("critical-data-elements" in catalogue.sections)
        else None
    )
    more = f"<p>Playbook: {link(cat_section.title, cat_section.url)}</p>" if cat_section else ""
    return (
        '<div class="dsw-guide">\n'
        '<table class="dsw-table"><caption>Kinds of data</caption><thead><tr>'
        '<th scope="col">Category</th><th scope="col">What it means</th>'
        '<th scope="col">Examples</th><th scope="col">Sensitivity on its own</th></tr></thead>'
        f"<tbody>\n{cats}\n</tbody></table>\n"
        '<table class="dsw-table"><caption>Rules that govern data</caption><thead><tr>'
        '<th scope="col">Rule</th><th scope="col">Full name</th><th scope="col">Covers</th>'
        '<th scope="col">In short</th></tr></thead>'
        f"<tbody>\n{rules}\n</tbody></table>\n{more}\n</div>"
    )


guide = reference_card(
    guide_html,
    about="A reference card of the categories and governing rules, shown above the exercises.",
)


def answer_key(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> Any:
    """The answer key of every scenario, for the facilitator's cell.

    Returns
    -------
    IPython.display.HTML
        Per scenario: each field's category, rule and why; what the dataset is overall; the
        facilitator's notes.
    """
    from IPython.display import HTML

    return HTML(answer_key_html(scenario_set=scenario_set, jurisdiction=jurisdiction))


def answer_key_html(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    scenarios = load_scenarios(EXERCISE, jurisdiction or "ct", scenario_set or DEFAULT_SET)
    parts = ['<div class="dsw-answer-key">', "<h2>Answer key: classifying data</h2>"]
    for i, sc in enumerate(scenarios, start=1):
        rows = []
        for f in sc.dataset.fields:
            cat = catalogue.categories[f.category]
            rule = catalogue.governing_rules[f.rule].name if f.rule else NO_RULE_LABEL
            rows.append(
                f'<tr><th scope="row"><code>{escape(f.name)}</code></th>'
                f"<td>{escape(cat.name)}</td><td>{escape(rule)}</td>"
                f"<td>{escape(f.explanation)}</td></tr>"
            )
        sens = dataset_sensitivity(catalogue, {f.name: f.category for f in sc.dataset.fields})
        overall = "".join(
            f"<li>{escape(r.text)} (Playbook: {link(r.section_title, r.url)})</li>"
            for r in sens.reasons
        )
        section = catalogue.section(sc.source)
        parts.append(
            f"<h3>{i}. {escape(sc.title)} <small>({escape(sc.difficulty)})</small></h3>\n"
            f'<table class="dsw-table"><thead><tr><th scope="col">Field</th>'
            f'<th scope="col">Category</th><th scope="col">Governing rule</th>'
            f'<th scope="col">Why</th></tr></thead><tbody>{"".join(rows)}</tbody></table>\n'
            f"<ul>{overall}</ul>\n" + key_notes_and_source(sc.facilitator_notes, section)
        )
    parts.append("</div>")
    return "\n".join(parts)
