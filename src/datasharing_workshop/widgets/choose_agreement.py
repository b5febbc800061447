"""Breakout 3, choosing the agreement: tick every agreement a proposed share needs.

The notebook calls :func:`exercises` (every scenario of the set) and, in the facilitator's
cell, :func:`answer_key`. :func:`check_agreements` is the pure verdict; :func:`build`
assembles one scenario's widget from data and callbacks.

The verdict comes from the rules engine (``advise_agreements``): the agreements the share
needs, each with the reason it fits; those worth considering (publishing counts as open
data instead, when the requester does not need to know who anyone is); and notes on
agreements that work together (E-MOU, DSA and DUA). Public data needs none.

Scoring: every agreement in the catalogue is judged (ticked when needed, left alone when
not), except those only worth considering, which count either way. ``correct`` means
exactly the needed agreements are ticked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as widgets

from ..breakouts.base import DEFAULT_SET, Evaluation
from ..breakouts.choose_agreement import (
    CONSIDER_MARK,
    NEEDED_MARK,
    AgreementScenario,
    agreement_label,
    agreement_situation,
    check_agreements,
)
from ..breakouts.scenarios import load_scenarios
from ..content.catalogue import Catalogue, load_catalogue
from ..content.situations import Situation
from ..rules.agreements import AgreementAdvice, advise_agreements
from ..rules.reasons import join_words
from ..store import AnswerRecord
from .common import (
    ExerciseBox,
    escape,
    exercise_box,
    feedback_section,
    key_notes_and_source,
    link,
    notebook_api,
    reference_card,
    scenario_header_html,
    static_page,
)

EXERCISE = "choose_agreement"

YES, NO = "Yes", "No"
FREQUENCY = {"one_off": "Once: a single transfer", "ongoing": "Ongoing: many transfers over time"}
PARAMETERS = {
    "fixed": "Yes: the same data on the same schedule each time",
    "varying": "No: each request asks for different data",
}
BASIS = {
    "none": "Nothing in particular",
    "grant": "Grant funding",
    "service_contract": "A service contract",
}

INSTRUCTIONS = (
    "<h3>Your answer</h3>\n<p>Tick every agreement this share needs, or only "
    "<em>No agreement needed</em> when it needs none, then press <strong>Check</strong>. "
    "Some shares need several agreements that work together. You can change your answer "
    "and check again as often as you like.</p>"
)


# --------------------------------------------------------------------------- helpers


# --------------------------------------------------------------------------- HTML pieces


def facts_rows(catalogue: Catalogue, situation: Situation, categories: Iterable[str]):
    """(question, answer) pairs describing the share, as plain text."""
    level = catalogue.level(situation.sensitivity)
    names = join_words([catalogue.categories[c].name for c in categories])
    rows = [
        ("Who is asking", catalogue.requesters[situation.requester].label),
        ("What the data holds", names),
        ("How sensitive it is", level.label),
        ("Does it identify people (PII)?", YES if situation.contains_pii else NO),
        ("Does it hold health information (PHI)?", YES if situation.contains_phi else NO),
        ("How often", FREQUENCY[situation.frequency]),
    ]
    if situation.frequency == "ongoing":
        rows.append(("Is every transfer the same?", PARAMETERS[situation.parameters]))
    rows.append(("Organizations taking part, including yours", str(situation.parties)))
    if situation.requester == "contractor" or situation.contractor_handles_phi:
        rows.append(
            (
                "Will a contractor handle health information for your agency?",
                YES if situation.contractor_handles_phi else NO,
            )
        )
    rows += [
        (
            "Does the requester need to know who each person is?",
            YES if situation.needs_identities else NO,
        ),
        ("What the relationship rests on", BASIS[situation.basis]),
    ]
    return rows


def facts_table(catalogue: Catalogue, situation: Situation, categories: Iterable[str]) -> str:
    body = "\n".join(
        f'<tr><th scope="row">{escape(k)}</th><td>{escape(v)}</td></tr>'
        for k, v in facts_rows(catalogue, situation, categories)
    )
    return (
        '<table class="dsw-table"><caption>The proposed share</caption>\n<tbody>\n'
        f"{body}\n</tbody></table>"
    )


def choices_html(catalogue: Catalogue, ticked: Iterable[str]) -> str:
    """The agreements with the group's ticks, for printed copies."""
    chosen = set(ticked)
    lines = "\n".join(
        f"<li>{'☑' if a.id in chosen else '☐'} {escape(agreement_label(a))}</li>"
        for a in catalogue.agreements.values()
    )
    return f'<h3>Agreements</h3>\n<ul class="dsw-choices">\n{lines}\n</ul>'


# --------------------------------------------------------------------------- the widget


def build(
    catalogue: Catalogue,
    scenario: AgreementScenario,
    situation: Situation,
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
    catalogue, scenario, situation
        The facts, the story and the share it describes.
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
        With ``agreement_checkboxes`` (agreement id -> Checkbox) and ``agreement_marks``
        (agreement id -> HTML showing "✔ Needed" etc. after a Check).
    """
    previous = saved.answer if saved else {}
    saved_ids = previous.get("agreements") if isinstance(previous.get("agreements"), list) else []
    checkboxes: dict[str, widgets.Checkbox] = {}
    marks: dict[str, widgets.HTML] = {}
    rows = []
    for agreement in catalogue.agreements.values():
        label = agreement_label(agreement)
        checkboxes[agreement.id] = widgets.Checkbox(
            value=agreement.id in saved_ids,
            description=label,
            tooltip=agreement.summary,
            indent=False,
            layout={"width": "auto"},
        )
        marks[agreement.id] = widgets.HTML(value="")
        rows.append(
            widgets.HBox(
                [checkboxes[agreement.id], marks[agreement.id]],
                layout={"align_items": "center"},
            )
        )

    def current() -> list[str]:
        return [a for a, box in checkboxes.items() if box.value]

    def evaluate() -> Evaluation:
        return check_agreements(catalogue, situation, current())

    def show_marks(evaluation: Evaluation) -> None:
        for a, mark in marks.items():
            mark.value = evaluation.mark_html(a)

    header_html = scenario_header_html(scenario, position, total, catalogue)
    facts = facts_table(catalogue, situation, scenario.situation.categories)

    def render_static(box: ExerciseBox) -> str:
        return static_page(
            "\n".join(
                [header_html, facts, choices_html(catalogue, current()), feedback_section(box)]
            )
        )

    box = exercise_box(
        exercise=EXERCISE,
        scenario_id=scenario.id,
        title=scenario.title,
        header=[
            widgets.HTML(value=header_html),
            widgets.HTML(value=facts),
            widgets.HTML(value=INSTRUCTIONS),
        ],
        controls=rows,
        evaluate=evaluate,
        on_check=on_check,
        render_static=render_static,
        show_marks=show_marks,
        saved=saved,
        saved_problem=saved_problem,
    )
    box.agreement_checkboxes = checkboxes
    box.agreement_marks = marks
    return box


# --------------------------------------------------------------------------- notebook API


def _make(catalogue: Catalogue, scenario: AgreementScenario, **slot: Any) -> ExerciseBox:
    return build(catalogue, scenario, agreement_situation(catalogue, scenario), **slot)


exercise, exercises = notebook_api(EXERCISE, _make, title="Choosing the agreement")


def guide_html(*, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    rows = "\n".join(
        f'<tr><th scope="row">{escape(a.abbreviation)}</th><td>{escape(a.name)}</td>'
        f"<td>{escape(a.summary)}</td>"
        f"<td>{link(catalogue.section(a.source).title, catalogue.section(a.source).url)}</td></tr>"
        for a in catalogue.agreements.values()
    )
    together = "\n".join(
        "<p><strong>Work together:</strong> "
        + escape(
            catalogue.message(
                "agreement_works_together",
                agreements=join_words(
                    [catalogue.agreements[a].abbreviation for a in group.agreements]
                ),
                explanation=group.explanation,
            )
        )
        + "</p>"
        for group in catalogue.works_together
    )
    section = (
        catalogue.section("agreement-type") if "agreement-type" in catalogue.sections else None
    )
    counsel = escape(catalogue.message("agreement_counsel"))
    more = f" Playbook: {link(section.title, section.url)}" if section else ""
    return (
        '<div class="dsw-guide">\n'
        '<table class="dsw-table"><caption>Kinds of agreement</caption><thead><tr>'
        '<th scope="col">Short name</th><th scope="col">Name</th>'
        '<th scope="col">What it is for</th><th scope="col">Playbook</th></tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table>\n{together}\n<p>{counsel}{more}</p>\n</div>"
    )


guide = reference_card(
    guide_html, about="A reference card of the agreement types, shown above the exercises."
)


def answer_key(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> Any:
    """The answer key of every scenario, for the facilitator's cell.

    Returns
    -------
    IPython.display.HTML
        Per scenario: the agreements needed with their reasons, those worth considering,
        the notes on agreements working together, and the facilitator's notes.
    """
    from IPython.display import HTML

    return HTML(answer_key_html(scenario_set=scenario_set, jurisdiction=jurisdiction))


def answer_key_html(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    scenarios = load_scenarios(EXERCISE, jurisdiction or "ct", scenario_set or DEFAULT_SET)
    parts = ['<div class="dsw-answer-key">', "<h2>Answer key: choosing the agreement</h2>"]
    for i, sc in enumerate(scenarios, start=1):
        advice: AgreementAdvice = advise_agreements(catalogue, agreement_situation(catalogue, sc))
        rows = "".join(
            f'<tr><th scope="row">{escape(agreement_label(fit.agreement))}</th>'
            f"<td>{escape(verdict)}</td>"
            f"<td>{' '.join(escape(r.text) for r in fit.reasons)}</td></tr>"
            for verdict, fits in ((NEEDED_MARK, advice.needed), (CONSIDER_MARK, advice.consider))
            for fit in fits
        )
        together = "".join(f"<li>{escape(r.text)}</li>" for r in advice.together)
        section = catalogue.section(sc.source)
        parts.append(
            f"<h3>{i}. {escape(sc.title)} <small>({escape(sc.difficulty)})</small></h3>\n"
            f'<table class="dsw-table"><thead><tr><th scope="col">Agreement</th>'
            f'<th scope="col">Verdict</th><th scope="col">Why</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>\n"
            + (f"<ul>{together}</ul>\n" if together else "")
            + key_notes_and_source(sc.facilitator_notes, section)
        )
    parts.append("</div>")
    return "\n".join(parts)
