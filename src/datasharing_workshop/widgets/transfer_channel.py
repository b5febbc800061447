"""Breakout 2, choosing a transfer channel: pick a channel and the steps before sending.

The notebook calls :func:`exercises` (every scenario of the set) and, in the facilitator's
cell, :func:`answer_key`. :func:`check_transfer` is the pure verdict; :func:`build`
assembles one scenario's widget from data and callbacks.

The verdict comes from the rules engine (``advise_transfer``): whether the chosen channel
may carry the file, with every reason it may not (not secure enough, over a size limit,
cannot reach the recipient), and which of the catalogue's steps apply. Steps are judged
against the chosen channel when it is allowed, otherwise against the best channel.

Scoring: one point for an allowed channel and one per step judged right (ticked when
needed, left alone when not), divided by one plus the number of steps. ``correct`` means
an allowed channel and exactly the steps it needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import ipywidgets as widgets

from ..breakouts.base import DEFAULT_SET, Evaluation
from ..breakouts.classify_data import ClassifyScenario, Dataset
from ..breakouts.scenarios import load_scenarios
from ..breakouts.transfer_channel import (
    ALLOWED_MARK,
    REFUSED_MARK,
    TransferScenario,
    check_transfer,
    scenario_transfer,
    step_label,
)
from ..content.catalogue import Catalogue, load_catalogue
from ..content.sizes import format_size
from ..rules.transfer import (
    Transfer,
    advise_transfer,
    no_channel_reason,
)
from ..store import AnswerRecord
from .common import (
    ExerciseBox,
    ExerciseSettings,
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

EXERCISE = "transfer_channel"

FREQUENCY = {"one_off": "Once", "recurring": "Regularly: the same transfer repeats"}
INSTRUCTIONS = (
    "<h3>Your answer</h3>\n<p>Choose the channel you would use, tick every step you would "
    "take before sending, then press <strong>Check</strong>. You can change your answer and "
    "check again as often as you like.</p>"
)


# --------------------------------------------------------------------------- helpers


def channel_options(catalogue: Catalogue) -> list[tuple[str, str]]:
    return [(c.name, c.id) for c in catalogue.channels.values()]


# Which channel attribute a step's wording depends on.
# --------------------------------------------------------------------------- HTML pieces


def facts_table(
    catalogue: Catalogue,
    scenario: TransferScenario,
    transfer: Transfer,
    dataset: Dataset | None = None,
) -> str:
    """What is being sent, how big, to whom and how often."""
    if dataset is not None:
        fields = "".join(
            f"<li><code>{escape(f.name)}</code>: {escape(f.description)}</li>"
            for f in dataset.fields
        )
        holds = (
            f"The dataset from breakout 1, <em>{escape(dataset.name)}</em>, with these "
            f"fields:<ul>{fields}</ul>"
        )
    else:
        names = [catalogue.categories[c].name for c in transfer.categories]
        holds = escape(", ".join(names))
    recipient = catalogue.recipients[scenario.recipient]
    rows = [
        ("What the file holds", holds),
        ("Size", escape(scenario.size)),
        ("Who receives it", f"{escape(recipient.label)}: {escape(recipient.description)}"),
        ("How often", escape(FREQUENCY[scenario.frequency])),
    ]
    if scenario.deidentified_ok:
        rows.append(
            (
                "Does the recipient need to know who people are?",
                "No: the request can be met without knowing who anyone is.",
            )
        )
    body = "\n".join(f'<tr><th scope="row">{k}</th><td>{v}</td></tr>' for k, v in rows)
    return (
        f'<table class="dsw-table"><caption>The file to send</caption>\n<tbody>\n'
        f"{body}\n</tbody></table>"
    )


def choices_html(catalogue: Catalogue, channel_id: str | None, steps: Iterable[str]) -> str:
    """The channels and steps with the group's choices marked, for printed copies."""
    ticked = set(steps)
    channels = "\n".join(
        f"<li>{'●' if c.id == channel_id else '○'} {escape(c.name)}"
        f"{' (your choice)' if c.id == channel_id else ''}</li>"
        for c in catalogue.channels.values()
    )
    step_items = "\n".join(
        f"<li>{'☑' if s in ticked else '☐'} {escape(step_label(catalogue, s, channel_id))}</li>"
        for s in catalogue.steps
    )
    return (
        f'<h3>Channel</h3>\n<ul class="dsw-choices">\n{channels}\n</ul>\n'
        f'<h3>Steps before sending</h3>\n<ul class="dsw-choices">\n{step_items}\n</ul>'
    )


# --------------------------------------------------------------------------- the widget


def build(
    catalogue: Catalogue,
    scenario: TransferScenario,
    transfer: Transfer,
    *,
    dataset: Dataset | None = None,
    position: int = 1,
    total: int = 1,
    on_check: Callable[[Evaluation], str] | None = None,
    saved: AnswerRecord | None = None,
    saved_problem: str = "",
) -> ExerciseBox:
    """Build one scenario's exercise widget.

    Parameters
    ----------
    catalogue, scenario, transfer
        The facts, the story and the file it describes.
    dataset
        The breakout 1 dataset the scenario reuses (``data.dataset``), to list its fields.
    position, total
        "Scenario 2 of 7" in the heading.
    on_check
        Called with each verdict (normally saves it); returns an HTML status line.
    saved
        A saved attempt: its answers are pre-filled and its feedback shown.
    saved_problem
        A message to show when saved answers could not be read.

    Returns
    -------
    ExerciseBox
        With ``channel_choice`` (RadioButtons), ``step_checkboxes`` (step id -> Checkbox),
        and ``channel_mark`` / ``step_marks`` (HTML marks shown after a Check).
    """
    options = channel_options(catalogue)
    previous = saved.answer if saved else {}
    saved_channel = previous.get("channel")
    saved_steps = previous.get("steps") if isinstance(previous.get("steps"), list) else []
    channel = widgets.RadioButtons(
        options=options,
        value=saved_channel if saved_channel in catalogue.channels else None,
        description="Channel",
        tooltip="The channel you would use to send this file",
        style={"description_width": "6em"},
        layout={"width": "auto"},
    )
    channel_mark = widgets.HTML(value="")
    checkboxes: dict[str, widgets.Checkbox] = {}
    step_marks: dict[str, widgets.HTML] = {}
    step_rows = []
    for step_id in catalogue.steps:
        label = step_label(catalogue, step_id, channel.value)
        checkboxes[step_id] = widgets.Checkbox(
            value=step_id in saved_steps,
            description=label,
            tooltip=label,
            indent=False,
            layout={"width": "auto"},
        )
        step_marks[step_id] = widgets.HTML(value="")
        step_rows.append(
            widgets.HBox(
                [checkboxes[step_id], step_marks[step_id]],
                layout={"align_items": "center"},
            )
        )

    def relabel(change: dict[str, Any]) -> None:
        for step_id, box in checkboxes.items():
            box.description = box.tooltip = step_label(catalogue, step_id, change["new"])

    channel.observe(relabel, names="value")

    def current() -> tuple[str | None, list[str]]:
        return channel.value, [s for s, box in checkboxes.items() if box.value]

    def evaluate() -> Evaluation:
        chosen, ticked = current()
        return check_transfer(catalogue, transfer, chosen, ticked)

    def show_marks(evaluation: Evaluation) -> None:
        channel_mark.value = evaluation.mark_html("channel")
        for step_id, mark in step_marks.items():
            mark.value = evaluation.mark_html(step_id)

    header_html = scenario_header_html(scenario, position, total, catalogue)
    facts = facts_table(catalogue, scenario, transfer, dataset)

    def render_static(box: ExerciseBox) -> str:
        chosen, ticked = current()
        return static_page(
            "\n".join(
                [
                    header_html,
                    facts,
                    choices_html(catalogue, chosen, ticked),
                    feedback_section(box),
                ]
            )
        )

    steps_heading = widgets.HTML(
        value="<p><strong>Steps before sending</strong>: tick every step this transfer needs.</p>"
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
        controls=[widgets.HBox([channel, channel_mark]), steps_heading, *step_rows],
        evaluate=evaluate,
        on_check=on_check,
        render_static=render_static,
        show_marks=show_marks,
        saved=saved,
        saved_problem=saved_problem,
    )
    box.channel_choice = channel
    box.step_checkboxes = checkboxes
    box.step_marks = step_marks
    box.channel_mark = channel_mark
    return box


# --------------------------------------------------------------------------- notebook API


def _content(
    jurisdiction: str, scenario_set: str
) -> tuple[Catalogue, list[TransferScenario], dict[str, Dataset]]:
    catalogue = load_catalogue(jurisdiction)
    scenarios = load_scenarios(EXERCISE, jurisdiction, scenario_set)
    datasets: dict[str, Dataset] = {}
    if any(sc.data.dataset for sc in scenarios):
        classify: list[ClassifyScenario] = load_scenarios(
            "classify_data", jurisdiction, scenario_set
        )
        datasets = {sc.id: sc.dataset for sc in classify}
    return catalogue, scenarios, datasets


def _extra(catalogue: Catalogue, settings: ExerciseSettings) -> dict[str, Any]:
    # Scenarios may reuse a breakout 1 dataset; read those once for the whole set.
    datasets = _content(settings.jurisdiction, settings.scenario_set)[2]
    return {"datasets": datasets, "scenario_set": settings.scenario_set}


def _make(
    catalogue: Catalogue,
    scenario: TransferScenario,
    *,
    datasets: dict[str, Dataset],
    scenario_set: str,
    **slot: Any,
) -> ExerciseBox:
    return build(
        catalogue,
        scenario,
        scenario_transfer(catalogue, scenario, scenario_set),
        dataset=datasets.get(scenario.data.dataset) if scenario.data.dataset else None,
        **slot,
    )


exercise, exercises = notebook_api(
    EXERCISE, _make, title="Choosing a transfer channel", extra=_extra
)


def guide_html(*, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    rows = []
    for c in catalogue.channels.values():
        limits = []
        for limit in c.limits:
            text = limit.max_size.text
            if limit.recipients:
                text += " to " + " or ".join(
                    catalogue.recipients[r].label for r in limit.recipients
                )
            if limit.note:
                text += f" ({limit.note})"
            limits.append(text)
        notes = []
        if c.setup:
            notes.append(catalogue.message("channel_setup_by", setup=c.setup))
        if c.notify_it_over is not None and c.notify_it_over.max_bytes:
            notes.append(
                catalogue.message(
                    "channel_notify_it", threshold=format_size(c.notify_it_over.max_bytes)
                )
            )
        if c.retention_days:
            notes.append(catalogue.message("channel_purge_days", days=c.retention_days))
        if c.notes:
            notes.append(c.notes)
        reaches = ", ".join(catalogue.recipients[r].label for r in c.recipients)
        rows.append(
            f'<tr><th scope="row">{escape(c.name)}</th>'
            f"<td>{escape(catalogue.level(c.max_level).label)}</td><td>{escape(reaches)}</td>"
            f"<td>{'<br>'.join(escape(t) for t in limits)}</td>"
            f"<td>{' '.join(escape(n) for n in notes)}</td></tr>"
        )
    sections = [
        catalogue.section(s)
        for s in ("open-data-channels", "non-public-channels")
        if s in catalogue.sections
    ]
    more = (
        "<p>Playbook: " + "; ".join(link(s.title, s.url) for s in sections) + "</p>"
        if sections
        else ""
    )
    return (
        '<div class="dsw-guide">\n'
        '<table class="dsw-table"><caption>Ways to send data</caption><thead><tr>'
        '<th scope="col">Channel</th><th scope="col">Most sensitive data it may carry</th>'
        '<th scope="col">Reaches</th><th scope="col">Size limit</th>'
        '<th scope="col">Good to know</th></tr></thead>'
        f"<tbody>\n{chr(10).join(rows)}\n</tbody></table>\n{more}\n</div>"
    )


guide = reference_card(
    guide_html,
    about="A reference card of the channels and their limits, shown above the exercises.",
)


def answer_key(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> Any:
    """The answer key of every scenario, for the facilitator's cell.

    Returns
    -------
    IPython.display.HTML
        Per scenario: every channel's verdict with its reasons, the steps for the best
        channel, and the facilitator's notes.
    """
    from IPython.display import HTML

    return HTML(answer_key_html(scenario_set=scenario_set, jurisdiction=jurisdiction))


def answer_key_html(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> str:
    scenario_set, jurisdiction = scenario_set or DEFAULT_SET, jurisdiction or "ct"
    catalogue, scenarios, _ = _content(jurisdiction, scenario_set)
    parts = ['<div class="dsw-answer-key">', "<h2>Answer key: choosing a transfer channel</h2>"]
    for i, sc in enumerate(scenarios, start=1):
        transfer = scenario_transfer(catalogue, sc, scenario_set)
        advice = advise_transfer(catalogue, transfer)
        rows = []
        for v in advice.verdicts:
            if v.allowed:
                verdict = ALLOWED_MARK + (" (best)" if v is advice.best else "")
            else:
                verdict = REFUSED_MARK
            why = " ".join(escape(r.text) for r in (*v.reasons, *v.warnings))
            rows.append(
                f'<tr><th scope="row">{escape(v.channel.name)}</th>'
                f"<td>{escape(verdict)}</td><td>{why}</td></tr>"
            )
        if advice.best is not None:
            steps = "".join(f"<li>{escape(s.text)}</li>" for s in advice.best.steps)
            steps_html = (
                f"<p><strong>Steps before sending with "
                f"{escape(advice.best.channel.short)}:</strong></p>"
                + (f"<ol>{steps}</ol>" if steps else "<p>None.</p>")
            )
        else:
            steps_html = f"<p>{escape(no_channel_reason(catalogue, advice).text)}</p>"
        section = catalogue.section(sc.source)
        parts.append(
            f"<h3>{i}. {escape(sc.title)} <small>({escape(sc.difficulty)})</small></h3>\n"
            f"<p>{escape(sc.size)} to {escape(catalogue.recipients[sc.recipient].label)}; "
            f"the data is {escape(advice.sensitivity.level.label)}.</p>\n"
            f'<table class="dsw-table"><thead><tr><th scope="col">Channel</th>'
            f'<th scope="col">Verdict</th><th scope="col">Why</th></tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>\n{steps_html}\n"
            + key_notes_and_source(sc.facilitator_notes, section)
        )
    parts.append("</div>")
    return "\n".join(parts)
