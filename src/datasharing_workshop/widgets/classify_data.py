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

from ..breakouts.scenarios import DEFAULT_SET, ClassifyScenario, load_scenarios
from ..content.catalogue import Catalogue, load_catalogue
from ..rules.reasons import with_basis
from ..rules.sensitivity import dataset_sensitivity, lineage
from ..store import AnswerRecord
from .common import (
    Evaluation,
    ExerciseBox,
    Feedback,
    FeedbackItem,
    Kind,
    Link,
    escape,
    exercise_box,
    feedback_section,
    link,
    notebook_api,
    option_label,
    scenario_header_html,
    static_page,
)

EXERCISE = "classify_data"
NOT_CHOSEN = ""
#: The rule answer meaning "no special rule governs this field".
NO_RULE = "none"

CHOOSE_CATEGORY = "— choose a category —"
CHOOSE_RULE = "— choose a rule —"
NO_RULE_LABEL = "None: no special rule"


# --------------------------------------------------------------------------- the verdict


def category_options(catalogue: Catalogue) -> list[tuple[str, str]]:
    return [(CHOOSE_CATEGORY, NOT_CHOSEN)] + [(c.name, c.id) for c in catalogue.categories.values()]


def rule_options(catalogue: Catalogue) -> list[tuple[str, str]]:
    return [(CHOOSE_RULE, NOT_CHOSEN), (NO_RULE_LABEL, NO_RULE)] + [
        (r.name, r.id) for r in catalogue.governing_rules.values()
    ]


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
        ``answer`` as it is saved (every field, in dataset order), ``marks`` per field name.
    """
    items: list[FeedbackItem] = []
    marks: dict[str, Kind] = {}
    saved: dict[str, dict[str, str]] = {}
    points = 0.0
    right = 0
    fields = scenario.dataset.fields
    for f in fields:
        given = answers.get(f.name, {})
        chosen_cat = str(given.get("category") or NOT_CHOSEN)
        chosen_rule = str(given.get("rule") or NOT_CHOSEN)
        saved[f.name] = {"category": chosen_cat, "rule": chosen_rule}
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
        links = [_section_link(catalogue, key_cat.source)]
        rule_sentence = _rule_sentence(catalogue, f.rule)
        if cat_kind == "right" and rule_right:
            right += 1
            marks[f.name] = "right"
            items.append(
                FeedbackItem("right", f.name, (field_sentence, rule_sentence), tuple(links))
            )
            continue
        kind: Kind = "nearly" if cat_kind != "wrong" else "wrong"
        marks[f.name] = kind
        sentences = [_your_answer(catalogue, chosen_cat, chosen_rule)]
        if f.explanation:
            sentences.append(f.explanation)
        sentences.append(field_sentence)
        if not rule_right:
            sentences.append(rule_sentence)
            if f.rule:
                rule = catalogue.governing_rules[f.rule]
                sentences.append(rule.summary)
                links.append(_section_link(catalogue, rule.source))
        items.append(FeedbackItem(kind, f.name, tuple(sentences), tuple(links)))

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
    )


def _section_link(catalogue: Catalogue, section_id: str) -> Link:
    section = catalogue.section(section_id)
    return Link(section.title, section.url)


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
            layout=widgets.Layout(width=f"calc({width}ch + 24em)"),
        )
        rule[f.name] = widgets.Dropdown(
            options=rule_opts,
            value=_valid(given.get("rule"), rule_opts),
            description="Governing rule",
            tooltip=f"Governing rule for the field {f.name}",
            style={"description_width": "8em"},
            layout=widgets.Layout(width="24em"),
        )
        mark[f.name] = widgets.HTML(value="")
        rows.append(
            widgets.HBox(
                [category[f.name], rule[f.name], mark[f.name]],
                layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
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


def guide(*, jurisdiction: str = "ct") -> Any:
    """A reference card of the categories and governing rules, shown above the exercises.

    Returns
    -------
    IPython.display.HTML
    """
    from IPython.display import HTML

    return HTML(guide_html(jurisdiction=jurisdiction))


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
            f"<ul>{overall}</ul>\n"
            + (
                f"<p><strong>Facilitator notes:</strong> {escape(sc.facilitator_notes)}</p>\n"
                if sc.facilitator_notes
                else ""
            )
            + f"<p>Playbook: {link(section.title, section.url)}</p>"
        )
    parts.append("</div>")
    return "\n".join(parts)
