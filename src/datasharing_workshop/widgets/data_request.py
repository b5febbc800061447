"""Breakout 4, preparing a data request: improve a draft until a data owner can say yes.

The notebook calls :func:`exercises` (every scenario of the set) and, in the facilitator's
cell, :func:`answer_key`. :func:`check_request` is the pure verdict; :func:`build`
assembles one scenario's widget from data and callbacks; :func:`draft_html` renders the
request as a printable page, which the group's handout shows.

The verdict comes from the rules engine (``review_request``): for every question of the
catalogue's request form, whether the answer is missing, too short, vague ("all fields",
"as long as needed") or lacks something it must mention (a time period, how and when the
data is destroyed), each with a hint.

Scoring: each question is worth one point, half when the answer is there but vague or
incomplete. ``correct`` means the check finds nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from ..breakouts.base import DEFAULT_SET, Evaluation
from ..breakouts.data_request import (
    CLEAR_MARK,
    NEEDS_WORK,
    NOT_CHECKED,
    RequestScenario,
    check_request,
    short_label,
)
from ..breakouts.scenarios import load_scenarios
from ..content.catalogue import Catalogue, load_catalogue
from ..rules.requests import RequestReview, review_request
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

EXERCISE = "data_request"

INSTRUCTIONS = (
    "<h3>Your request</h3>\n<p>A colleague started this request. Improve every answer until "
    "the data owner could say yes without writing back to ask, then press "
    "<strong>Check</strong>. The check flags answers that are missing, too short or too vague, "
    "with a hint for each. The printable draft below the feedback is what your handout "
    "shows.</p>"
)


# --------------------------------------------------------------------------- helpers


# --------------------------------------------------------------------------- HTML pieces


def context_table(scenario: RequestScenario) -> str:
    """Who is asking whom for what."""
    ctx = scenario.context
    rows = [
        ("Who is asking", escape(ctx.requester)),
        ("Who holds the data", escape(ctx.data_owner)),
        ("What they want to find out", escape(ctx.wants)),
    ]
    if ctx.holds:
        rows.append(
            (
                "What the data owner's records hold",
                "<ul>" + "".join(f"<li>{escape(h)}</li>" for h in ctx.holds) + "</ul>",
            )
        )
    body = "\n".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
    return (
        '<table class="dsw-table"><caption>The request</caption>\n<tbody>\n'
        f"{body}\n</tbody></table>"
    )


def _paragraphs(text: str) -> str:
    lines = [escape(line) for line in text.strip().splitlines()]
    return "<br>".join(lines) if lines else "<em>(no answer yet)</em>"


def draft_html(
    catalogue: Catalogue,
    scenario: RequestScenario,
    answers: Mapping[str, str],
    review: RequestReview | None = None,
) -> str:
    """The request as a printable draft: every question, its answer and, after a Check,
    what still needs work. All text is escaped."""
    rows = []
    for n, q in enumerate(catalogue.request_questions.values(), start=1):
        if review is None:
            status = escape(NOT_CHECKED)
        else:
            found = review.issues_for(q.id)
            status = (
                escape(CLEAR_MARK)
                if not found
                else f"<strong>✘ {escape(NEEDS_WORK)}:</strong> {escape(found[0].text)}"
            )
        rows.append(
            f'<tr><th scope="row">{n}. {escape(q.question)}</th>'
            f"<td>{_paragraphs(str(answers.get(q.id) or ''))}</td><td>{status}</td></tr>"
        )
    ctx = scenario.context
    return (
        '<section class="dsw-request-draft">\n'
        f"<h3>Data request (draft): {escape(scenario.title)}</h3>\n"
        f"<p><strong>From:</strong> {escape(ctx.requester)}<br>"
        f"<strong>To:</strong> {escape(ctx.data_owner)}</p>\n"
        '<table class="dsw-table"><thead><tr><th scope="col">Question</th>'
        '<th scope="col">Answer</th><th scope="col">Check</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>\n</section>"
    )


# --------------------------------------------------------------------------- the widget


def build(
    catalogue: Catalogue,
    scenario: RequestScenario,
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
        The request form and the request to improve.
    position, total
        "Scenario 2 of 3" in the heading.
    on_check
        Called with each verdict (normally saves it); returns an HTML status line.
    saved
        A saved attempt: its answers replace the draft and its feedback is shown.
    saved_problem
        A message to show when saved answers could not be read.

    Returns
    -------
    ExerciseBox
        With ``answer_boxes`` (question id -> Textarea), ``question_marks`` (question id
        -> HTML showing "✔ Clear" etc. after a Check) and ``draft`` (HTML: the printable
        request, refreshed on every Check).
    """
    previous = saved.answer if saved else None
    start = previous if isinstance(previous, dict) else scenario.draft
    boxes: dict[str, widgets.Textarea] = {}
    marks: dict[str, widgets.HTML] = {}
    rows: list[widgets.Widget] = []
    for n, q in enumerate(catalogue.request_questions.values(), start=1):
        value = start.get(q.id)
        boxes[q.id] = widgets.Textarea(
            value=value.strip() if isinstance(value, str) else "",
            description=short_label(q),
            placeholder=q.help,
            tooltip=q.question,
            rows=3,
            style={"description_width": "7em"},
            layout={"width": "min(100%, 60em)"},
        )
        marks[q.id] = widgets.HTML(value="")
        rows.append(
            widgets.HTML(
                value=f"<p><strong>{n}. {escape(q.question)}</strong><br>"
                f"<small>{escape(q.help)}</small></p>"
            )
        )
        rows.append(widgets.HBox([boxes[q.id], marks[q.id]], layout={"align_items": "center"}))

    def current() -> dict[str, str]:
        return {q: box.value for q, box in boxes.items()}

    state: dict[str, RequestReview | None] = {"review": None}

    def evaluate() -> Evaluation:
        evaluation = check_request(catalogue, current())
        state["review"] = review_request(catalogue, evaluation.answer)
        draft.value = draft_html(catalogue, scenario, evaluation.answer, state["review"])
        return evaluation

    def show_marks(evaluation: Evaluation) -> None:
        for q, mark in marks.items():
            mark.value = evaluation.mark_html(q)

    draft = widgets.HTML(value=draft_html(catalogue, scenario, current()))
    header_html = scenario_header_html(scenario, position, total, catalogue)
    context = context_table(scenario)

    def render_static(box: ExerciseBox) -> str:
        answers = current()
        review = review_request(catalogue, answers) if box.last_evaluation is not None else None
        return static_page(
            "\n".join(
                [
                    header_html,
                    context,
                    feedback_section(box),
                    draft_html(catalogue, scenario, answers, review),
                ]
            )
        )

    box = exercise_box(
        exercise=EXERCISE,
        scenario_id=scenario.id,
        title=scenario.title,
        header=[
            widgets.HTML(value=header_html),
            widgets.HTML(value=context),
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
    box.children = (*box.children, draft)
    box.answer_boxes = boxes
    box.question_marks = marks
    box.draft = draft
    return box


# --------------------------------------------------------------------------- notebook API


exercise, exercises = notebook_api(EXERCISE, build, title="Preparing a data request")


def guide_html(*, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    rows = "\n".join(
        f'<tr><th scope="row">{n}. {escape(q.question)}</th><td>{escape(q.help)}</td>'
        f"<td>{'; '.join(escape(v.phrase) for v in q.vague_phrases)}</td></tr>"
        for n, q in enumerate(catalogue.request_questions.values(), start=1)
    )
    sections = [
        catalogue.section(s)
        for s in ("request-process", "specify-parameters")
        if s in catalogue.sections
    ]
    more = (
        "<p>Playbook: " + "; ".join(link(s.title, s.url) for s in sections) + "</p>"
        if sections
        else ""
    )
    return (
        '<div class="dsw-guide">\n'
        '<table class="dsw-table"><caption>What a data request must answer</caption><thead><tr>'
        '<th scope="col">Question</th><th scope="col">A good answer gives</th>'
        '<th scope="col">Too vague</th></tr></thead>'
        f"<tbody>\n{rows}\n</tbody></table>\n{more}\n</div>"
    )


guide = reference_card(
    guide_html,
    about="The request form's questions and what a good answer gives, shown above the exercises.",
)


def answer_key(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> Any:
    """The answer key of every scenario, for the facilitator's cell.

    Returns
    -------
    IPython.display.HTML
        Per scenario: what the check finds in the draft, a model answer, and the
        facilitator's notes.
    """
    from IPython.display import HTML

    return HTML(answer_key_html(scenario_set=scenario_set, jurisdiction=jurisdiction))


def answer_key_html(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    scenarios = load_scenarios(EXERCISE, jurisdiction or "ct", scenario_set or DEFAULT_SET)
    parts = ['<div class="dsw-answer-key">', "<h2>Answer key: preparing a data request</h2>"]
    for i, sc in enumerate(scenarios, start=1):
        review = review_request(catalogue, sc.draft)
        found = "".join(
            f"<li><strong>{escape(short_label(catalogue.request_questions[issue.question_id]))}"
            f"</strong>: {escape(issue.text)}</li>"
            for issue in review.issues
        )
        model = ""
        if sc.model_answer:
            model = "<h4>A model answer</h4>\n" + draft_html(
                catalogue, sc, sc.model_answer, review_request(catalogue, sc.model_answer)
            )
        section = catalogue.section(sc.source)
        parts.append(
            f"<h3>{i}. {escape(sc.title)} <small>({escape(sc.difficulty)})</small></h3>\n"
            f"<p><strong>What the check finds in the first draft:</strong></p>\n"
            f"<ul>{found or '<li>Nothing.</li>'}</ul>\n{model}\n"
            + key_notes_and_source(sc.facilitator_notes, section)
        )
    parts.append("</div>")
    return "\n".join(parts)
