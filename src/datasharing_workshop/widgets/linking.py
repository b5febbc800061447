"""Breakout 6, linking datasets: the widget (the grading is :mod:`..breakouts.linking`).

The group picks a linking method, a blocking field and a score threshold, sees after every
change how many pairs are compared and how many links are false or missed, then says
which error matters more for the scenario's use and presses Check.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from ..breakouts.base import DEFAULT_SET, Evaluation
from ..breakouts.linking import (
    ERRORS,
    LinkingScenario,
    check_linking,
    choice_label,
    either,
    extracts,
)
from ..breakouts.scenarios import load_scenarios
from ..content.catalogue import Catalogue, load_catalogue
from ..rules.linking import BLOCKING, MAX_SCORE, METHODS, link
from ..store import AnswerRecord
from .common import (
    ExerciseBox,
    escape,
    exercise_box,
    feedback_section,
    key_notes_and_source,
    notebook_api,
    reference_card,
    scenario_header_html,
    static_page,
)
from .common import link as html_link

EXERCISE = "linking"
NOT_CHOSEN = ""

INSTRUCTIONS = (
    "<h3>Your link</h3>\n<p>Choose how to link the two extracts, what to block on and, for "
    "a score, the lowest score that counts as the same person. The line under the choices "
    "updates as you go. Then say which error matters more for this use and press "
    "<strong>Check</strong>.</p>"
)


def _options(catalogue: Catalogue, ids: tuple[str, ...], prompt: str) -> list[tuple[str, str]]:
    return [(prompt, NOT_CHOSEN)] + [(choice_label(catalogue, i), i) for i in ids]


def result_html(scenario: LinkingScenario, method: str, blocking: str, threshold: int) -> str:
    """Pairs compared, links made, false and missed matches for the current choices."""
    if method not in METHODS or blocking not in BLOCKING:
        ex = extracts(scenario)
        pairs = len(ex.left) * len(ex.right)
        return (
            f"<p>{len(ex.left)} records from agency A and {len(ex.right)} from agency B: "
            f"{pairs:,} pairs if every pair is compared.</p>"
        )
    r = link(extracts(scenario), method, blocking, threshold)
    return (
        f'<p class="dsw-result"><strong>{r.comparisons:,} pairs compared</strong>; '
        f"{r.linked} links: {r.right} right, {r.false_matches} false matches (two people "
        f"joined), {r.missed_matches} missed matches.</p>"
    )


def build(
    catalogue: Catalogue,
    scenario: LinkingScenario,
    *,
    position: int = 1,
    total: int = 1,
    on_check: Callable[[Evaluation], str] | None = None,
    saved: AnswerRecord | None = None,
    saved_problem: str = "",
) -> ExerciseBox:
    """Build one scenario's exercise widget (pre-filled from a saved attempt)."""
    previous = saved.answer if saved else {}

    def pick(name: str, ids: tuple[str, ...]) -> str:
        value = previous.get(name)
        return value if value in ids else NOT_CHOSEN

    method = widgets.Dropdown(
        options=_options(catalogue, METHODS, "— choose a method —"),
        value=pick("method", METHODS),
        description="Method",
    )
    blocking = widgets.Dropdown(
        options=_options(catalogue, BLOCKING, "— choose what to block on —"),
        value=pick("blocking", BLOCKING),
        description="Blocking",
    )
    saved_threshold = previous.get("threshold")
    # A list rather than a slider: ipywidgets' slider handle carries no accessible name
    # (axe: aria-input-field-name), while a <select> is labelled by its description.
    valid = isinstance(saved_threshold, int) and 1 <= saved_threshold <= MAX_SCORE
    threshold = widgets.Dropdown(
        options=[(str(k), k) for k in range(1, MAX_SCORE + 1)],
        value=saved_threshold if valid else MAX_SCORE // 2,
        description="Threshold",
    )
    error = widgets.RadioButtons(
        options=[(choice_label(catalogue, e), e) for e in ERRORS],
        value=pick("error", ERRORS) or None,
        description="Worse here",
        tooltip="Which error would do more harm for this use",
    )
    # Wide enough for the longest choice ("— choose what to block on —") and the error
    # labels on one line each, as breakout 2's channel list.
    for control in (method, blocking, threshold, error):
        control.style = {"description_width": "8em"}
    for control in (method, blocking):
        control.layout = {"width": "32em"}
    threshold.layout = {"width": "16em"}
    error.layout = {"width": "auto"}
    result = widgets.HTML(value=result_html(scenario, method.value, blocking.value, 1))

    def update(_change: Any = None) -> None:
        result.value = result_html(scenario, method.value, blocking.value, threshold.value)

    for control in (method, blocking, threshold):
        control.observe(update, names="value")
    update()

    def current() -> dict[str, Any]:
        return {
            "method": method.value,
            "blocking": blocking.value,
            "threshold": threshold.value,
            "error": error.value or "",
        }

    def evaluate() -> Evaluation:
        return check_linking(catalogue, scenario, current())

    header_html = scenario_header_html(scenario, position, total, catalogue)
    use_html = f"<p><strong>What the link is for:</strong> {escape(scenario.use)}</p>"

    def render_static(box: ExerciseBox) -> str:
        chosen = current()
        rows = "".join(
            f'<tr><th scope="row">{escape(label)}</th>'
            f"<td>{escape(choice_label(catalogue, str(chosen[k])) if chosen[k] else '—')}</td></tr>"
            for k, label in (
                ("method", "Method"),
                ("blocking", "Blocking"),
                ("threshold", "Threshold"),
                ("error", "Worse here"),
            )
        )
        table = f'<table class="dsw-table"><tbody>{rows}</tbody></table>'
        return static_page(
            "\n".join([header_html, use_html, table, result.value, feedback_section(box)])
        )

    box = exercise_box(
        exercise=EXERCISE,
        scenario_id=scenario.id,
        title=scenario.title,
        header=[
            widgets.HTML(value=header_html),
            widgets.HTML(value=use_html),
            widgets.HTML(value=INSTRUCTIONS),
        ],
        controls=[method, blocking, threshold, result, error],
        evaluate=evaluate,
        on_check=on_check,
        render_static=render_static,
        saved=saved,
        saved_problem=saved_problem,
    )
    box.method_choice, box.blocking_choice = method, blocking
    box.threshold_choice, box.error_choice, box.result_line = threshold, error, result
    return box


exercise, exercises = notebook_api(EXERCISE, build, title="Linking datasets")


def guide_html(*, jurisdiction: str = "ct", scenario_set: str = DEFAULT_SET) -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    first = load_scenarios(EXERCISE, jurisdiction or "ct", scenario_set or DEFAULT_SET)[0]
    ex = extracts(first)
    section = catalogue.section(first.source)

    def words(ids: tuple[str, ...]) -> str:
        return "; ".join(escape(choice_label(catalogue, i)) for i in ids)

    return (
        '<div class="dsw-guide">\n<h2>Linking two agencies\u2019 records</h2>\n<ul>'
        f"<li><strong>Methods:</strong> {words(METHODS)}.</li>"
        f"<li><strong>Blocking</strong> (compare only the pairs that agree on one field): "
        f"{words(tuple(b for b in BLOCKING if b != 'none'))}; or none.</li>"
        f"<li><strong>Pairs:</strong> {len(ex.left)} records \u00d7 {len(ex.right)} records = "
        f"{len(ex.left) * len(ex.right):,} pairs when every pair is compared.</li>"
        f"<li><strong>The two errors:</strong> {words(ERRORS)}.</li></ul>\n"
        f"<p>Playbook: {html_link(section.title, section.url)}</p>\n</div>"
    )


guide = reference_card(
    guide_html, about="The choices and the two errors in one card, shown above the exercises."
)


def answer_key(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> Any:
    """The facilitator's key: every scenario's right choices and why."""
    from IPython.display import HTML

    return HTML(answer_key_html(scenario_set=scenario_set, jurisdiction=jurisdiction))


def answer_key_html(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> str:
    """One table per scenario (choice, right answer, why), as the other breakouts' keys."""
    catalogue = load_catalogue(jurisdiction or "ct")
    scenarios = load_scenarios(EXERCISE, jurisdiction or "ct", scenario_set or DEFAULT_SET)
    parts = ['<div class="dsw-answer-key">', "<h2>Answer key: linking datasets</h2>"]
    for i, sc in enumerate(scenarios, start=1):
        k, why = sc.key, sc.explanations
        rows = [
            ("Method", either(catalogue, k.method), why.method),
            ("Blocking", either(catalogue, k.blocking), why.blocking),
            ("Threshold", f"{k.threshold_min} to {k.threshold_max}", why.threshold),
            ("Worse here", choice_label(catalogue, k.error), why.error),
        ]
        body = "".join(
            f'<tr><th scope="row">{escape(choice)}</th><td>{escape(right)}</td>'
            f"<td>{escape(reason)}</td></tr>"
            for choice, right, reason in rows
        )
        section = catalogue.section(sc.source)
        parts.append(
            f"<h3>{i}. {escape(sc.title)} <small>({escape(sc.difficulty)})</small></h3>\n"
            f'<table class="dsw-table"><thead><tr><th scope="col">Choice</th>'
            f'<th scope="col">Right answer</th><th scope="col">Why</th></tr></thead>'
            f"<tbody>{body}</tbody></table>\n" + key_notes_and_source(sc.facilitator_notes, section)
        )
    parts.append("</div>")
    return "\n".join(parts)
