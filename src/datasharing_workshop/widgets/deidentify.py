"""Breakout 5, de-identifying and aggregating: share less, still answer the question.

The group starts from a list of invented people and decides, field by field, whether to
keep it, leave it out or share it in less detail (an age band instead of a birth date, a
county instead of a ZIP code), and picks a minimum cell size. After every change the
table of counts is recounted and suppressed (:mod:`~datasharing_workshop.rules.suppression`),
and a chart shows how much each choice hides. Check judges the choices against the
scenario's answer key and the catalogue's minimum cell size.

The notebook calls :func:`exercises` and, in the facilitator's cell, :func:`answer_key`.
:func:`check_deidentification` is the pure verdict; :func:`build` assembles a widget.

Scoring: one point per field chosen as the answer key says and one for a minimum cell
size at least the catalogue's; ``correct`` means all of them.
"""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets

from ..breakouts.base import DEFAULT_SET, Evaluation
from ..breakouts.deidentify import (
    THRESHOLD_SUBJECT,
    DeidentifyScenario,
    answer_choices,
    check_deidentification,
    counts_table,
    either_words,
    legend_html,
    result_sentences,
    starting_choices,
    tabulator,
)
from ..breakouts.scenarios import load_scenarios
from ..content.catalogue import Catalogue, load_catalogue
from ..rules.deidentification import (
    Cost,
    Counted,
    Tabulator,
    TooDetailed,
    costs_by_choice,
    costs_by_threshold,
    option_label,
)
from ..rules.suppression import Suppression, suppress
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

EXERCISE = "deidentify"

#: Common practice for the minimum cell size; the list offers it (and the catalogue's
#: own rule, should a jurisdiction set one outside it).
COMMON_LOW, COMMON_HIGH = 5, 11
TOO_DETAILED = "too detailed to count"

INSTRUCTIONS = (
    "<h3>Your choices</h3>\n<p>For each field, choose whether to keep it, leave it out, or "
    "share it in less detail. Then choose the minimum cell size: every count smaller than "
    "it is hidden. The table and the chart below update as you go. Press "
    "<strong>Check</strong> when the table answers the question and points to no one.</p>"
)


# --------------------------------------------------------------------------- settings


def threshold_range(catalogue: Catalogue) -> tuple[int, int]:
    """The sizes offered: common practice, widened to include the catalogue's rule."""
    rule = catalogue.jurisdiction.settings.min_cell_size
    return min(COMMON_LOW, rule), max(COMMON_HIGH, rule)


# --------------------------------------------------------------------------- HTML pieces


def question_html(scenario: DeidentifyScenario) -> str:
    return (
        f'<p class="dsw-question"><strong>The question to answer:</strong> '
        f"{escape(scenario.question)}</p>"
    )


def preview_table(tab: Tabulator, scenario: DeidentifyScenario, rows: int = 5) -> str:
    """The first few records as they stand, before any choice (all invented)."""
    names = [f.name for f in scenario.fields]
    head = "".join(f'<th scope="col"><code>{escape(n)}</code></th>' for n in names)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{escape(tab.data.columns[n][k])}</td>" for n in names) + "</tr>"
        for k in tab.rows_used[:rows]
    )
    return (
        f'<table class="dsw-table"><caption>The first {min(rows, tab.people)} of '
        f"{tab.people:,} records (every person is invented)</caption>\n"
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>"
    )


def fields_table(scenario: DeidentifyScenario, choices: Mapping[str, str] | None = None) -> str:
    """The fields, what each holds and (for printed copies) the group's choice."""
    heads = ["Field", "What it holds"] + (["Your choice"] if choices is not None else [])
    rows = []
    for f in scenario.fields:
        cells = [
            f'<th scope="row"><code>{escape(f.name)}</code></th>',
            f"<td>{escape(f.description)}</td>",
        ]
        if choices is not None:
            cells.append(f"<td>{escape(option_label(choices.get(f.name, ''), capital=True))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    head = "".join(f'<th scope="col">{h}</th>' for h in heads)
    return (
        '<table class="dsw-table"><caption>The fields</caption>\n'
        f"<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def worksheet_html(scenario: DeidentifyScenario, rule_text: str) -> str:
    """The scenario as a worksheet, for paper: a box per option for every field, and space
    to write the minimum cell size and the reasoning.

    Participants' printed handouts show this instead of the live table of counts and the
    chart (``.dsw-print-only`` and ``.dsw-live-result`` in the handout CSS): on paper those
    only show the starting choices, which share everything.
    """
    rows = []
    for f in scenario.fields:
        boxes = "".join(
            f'<span class="dsw-worksheet-choice">☐ {escape(option_label(o, capital=True))}</span> '
            for o in f.options
        )
        rows.append(
            f'<tr><th scope="row"><code>{escape(f.name)}</code></th>'
            f"<td>{escape(f.description)}</td><td>{boxes}</td></tr>"
        )
    blank = '<div class="dsw-write-in"></div>'
    return (
        '<div class="dsw-print-only dsw-worksheet">'
        '<table class="dsw-table"><caption>Worksheet: tick one box per field</caption>\n'
        '<thead><tr><th scope="col">Field</th><th scope="col">What it holds</th>'
        '<th scope="col">Share it as</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody></table>"
        f"<p><strong>{THRESHOLD_SUBJECT}:</strong> ______ {rule_text}</p>"
        "<p><strong>Which counts would be small enough to hide, and why?</strong></p>"
        f"{blank}{blank}"
        "<p><strong>Does what you share still answer the question?</strong></p>"
        f"{blank}</div>"
    )


# --------------------------------------------------------------------------- the chart

_HATCHES = ("//", "..", "\\\\", "oo", "--", "++")


def chart_png(by_threshold: Sequence[Cost], by_choice: Sequence[Cost], rule: int) -> bytes:
    """Two panels, readable in black and white: the share of people hidden at each minimum
    cell size (line with markers), and for each way of sharing each detailed field (bars
    with hatching; the group's choice solid-edged and labelled)."""
    from matplotlib.figure import Figure

    panels = 2 if by_choice else 1
    # No layout engine and a modest resolution: the chart is redrawn after every change,
    # and these two halve the time it takes (see benchmarks/bench_suppression.py).
    fig = Figure(figsize=(9.5 if panels == 2 else 5, 3.4), dpi=80)
    if panels == 2:
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.16, top=0.9, wspace=0.62)
    else:
        fig.subplots_adjust(left=0.14, right=0.96, bottom=0.16, top=0.9)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    ax = axes[0]
    xs = [c.threshold for c in by_threshold]
    ys = [100 * c.hidden_share for c in by_threshold if c.hidden_share is not None]
    if len(ys) == len(xs):
        ax.plot(xs, ys, color="black", marker="o", markerfacecolor="white", linewidth=1.5)
    else:
        ax.text(sum(xs) / len(xs), 50, TOO_DETAILED, ha="center", fontsize=9)
    for c in by_threshold:
        if c.current and c.hidden_share is not None:
            ax.plot([c.threshold], [100 * c.hidden_share], marker="s", color="black", markersize=9)
            right_half = c.threshold > (xs[0] + xs[-1]) / 2
            ax.annotate(
                "your choice",
                (c.threshold, 100 * c.hidden_share),
                textcoords="offset points",
                xytext=(-6 if right_half else 6, 8),
                ha="right" if right_half else "left",
                fontsize=8,
            )
    ax.axvline(rule, color="black", linestyle="--", linewidth=1)
    ax.text(rule, 101, " agency rule", fontsize=8, va="bottom")
    ax.set_xticks(xs)
    ax.set_ylim(0, 110)
    ax.set_xlabel("minimum cell size")
    ax.set_ylabel("% of people in hidden counts")
    ax.set_title("Each minimum cell size", fontsize=10)
    if by_choice:
        ax = axes[1]
        labels = [c.label + (" (yours)" if c.current else "") for c in by_choice]
        values = [100 * c.hidden_share if c.hidden_share is not None else 0 for c in by_choice]
        fields = list(dict.fromkeys(c.field for c in by_choice))
        bars = ax.barh(range(len(by_choice)), values, color="white", edgecolor="black")
        for bar, c in zip(bars, by_choice, strict=True):
            bar.set_hatch(_HATCHES[fields.index(c.field) % len(_HATCHES)])
            bar.set_linewidth(2.5 if c.current else 0.8)
        for k, (value, c) in enumerate(zip(values, by_choice, strict=True)):
            shown = f"{value:.0f}%" if c.hidden_share is not None else TOO_DETAILED
            ax.text(value + 1, k, shown, va="center", fontsize=8)
        ax.set_yticks(range(len(by_choice)), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlim(0, 115)
        ax.set_xlabel("% of people in hidden counts")
        ax.set_title("Each way to share a field (other choices as yours)", fontsize=10)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def _share(cost: Cost) -> str:
    return TOO_DETAILED if cost.hidden_share is None else f"{cost.hidden_share:.0%}"


def chart_alt(by_threshold: Sequence[Cost], by_choice: Sequence[Cost]) -> str:
    """The chart's numbers in words, for screen readers and for anyone who cannot see it."""
    parts = [
        "Share of people in hidden counts. By minimum cell size: "
        + ", ".join(
            f"{c.threshold}{' (yours)' if c.current else ''}: {_share(c)}" for c in by_threshold
        )
        + "."
    ]
    if by_choice:
        parts.append(
            "By way of sharing: "
            + ", ".join(
                f"{c.label}{' (yours)' if c.current else ''}: {_share(c)}" for c in by_choice
            )
            + "."
        )
    return " ".join(parts)


def chart_html(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return (
        '<figure class="dsw-chart">'
        f'<img src="data:image/png;base64,{data}" alt="{escape(alt)}" style="max-width:100%">'
        f"<figcaption>How much each choice hides. {escape(alt)}</figcaption></figure>"
    )


# --------------------------------------------------------------------------- the widget

#: Seconds without a change before the chart is redrawn. The table follows every change at
#: once (tens of milliseconds); the chart tries every option of every field and draws a
#: PNG (a few hundred), so it waits until the group pauses, as in ipywidgets' own
#: "debounce" example, instead of holding up the next change.
CHART_DELAY = 0.4
REDRAWING = "dsw-redrawing"


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The kernel's event loop when called from a widget callback; ``None`` in scripts
    and tests, where the chart is then drawn at once."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _redrawing(chart_html: str) -> str:
    """The old chart, framed and labelled, while the new one waits to be drawn.

    Framed rather than faded: faded text (the caption, the label) fails the contrast that
    people reading on a projector or with low vision need."""
    if REDRAWING in chart_html:
        return chart_html
    return (
        f'<div class="{REDRAWING}" style="outline:2px dashed #555;outline-offset:4px">'
        "<p><em>Updating the chart…</em></p>"
        f"{chart_html}</div>"
    )


class _Live:
    """The table, its suppression and the chart for the current choices."""

    def __init__(self, catalogue: Catalogue, scenario: DeidentifyScenario, tab: Tabulator):
        self.catalogue, self.scenario, self.tab = catalogue, scenario, tab
        self.low, self.high = threshold_range(catalogue)
        self.rule = catalogue.jurisdiction.settings.min_cell_size
        # Drawing the chart is the slowest part of a refresh; a group often goes back to a
        # choice it had, so recent charts are kept.
        self._charts: dict[tuple, str] = {}

    def forget(self) -> None:
        """Drop every remembered table, suppression and chart."""
        self._charts.clear()
        self.tab.forget()

    def table(
        self, choices: Mapping[str, str], threshold: int
    ) -> tuple[Counted | None, Suppression | TooDetailed]:
        try:
            return self.tab.table(choices), self.tab.suppressed(choices, threshold)
        except TooDetailed as exc:
            return None, exc

    def table_html(self, counted: Counted | None, result: Suppression | TooDetailed) -> str:
        sentences = " ".join(escape(s) for s in result_sentences(self.catalogue, result))
        summary = f'<p class="dsw-result"><strong>{sentences}</strong></p>'
        if counted is None or not isinstance(result, Suppression):
            return summary
        return (
            counts_table(counted, result, self.scenario.columns)
            + legend_html(self.catalogue, result.threshold)
            + summary
        )

    def chart(self, choices: Mapping[str, str], threshold: int) -> str:
        key = (tuple(sorted(choices.items())), threshold)
        if key not in self._charts:
            by_threshold = costs_by_threshold(
                self.tab, choices, range(self.low, self.high + 1), threshold
            )
            by_choice = costs_by_choice(self.tab, choices, threshold)
            png = chart_png(by_threshold, by_choice, self.rule)
            if len(self._charts) >= 32:
                self._charts.pop(next(iter(self._charts)))
            self._charts[key] = chart_html(png, chart_alt(by_threshold, by_choice))
        return self._charts[key]


def build(
    catalogue: Catalogue,
    scenario: DeidentifyScenario,
    tab: Tabulator | None = None,
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
        The facts (the minimum cell size rule) and the question with its fields.
    tab
        The scenario's people, counted (:func:`tabulator`); read from the CSV when omitted.
    position, total
        "Scenario 2 of 3" in the heading.
    on_check
        Called with each verdict (normally saves it); returns an HTML status line.
    saved
        A saved attempt: its choices are pre-filled and its feedback shown.
    saved_problem
        A message to show when saved answers could not be read.

    Returns
    -------
    ExerciseBox
        With ``field_choices`` (field -> Dropdown), ``min_cell_size`` (Dropdown),
        ``field_marks`` (field -> HTML), ``counts`` (HTML: the table, updated on every
        change), ``chart`` (HTML: the chart, redrawn once the group pauses),
        ``refresh()`` (recount now), ``draw_chart()`` (redraw now), ``suppression()`` (the
        current result) and ``forget()`` (drop the remembered tables and charts; for
        benchmarks).
    """
    tab = tab or tabulator(scenario)
    live = _Live(catalogue, scenario, tab)
    previous = saved.answer if saved else {}
    saved_fields = previous.get("fields") if isinstance(previous.get("fields"), dict) else {}
    start = starting_choices(scenario)
    dropdowns: dict[str, widgets.Dropdown] = {}
    marks: dict[str, widgets.HTML] = {}
    rows = []
    width = max(len(f.name) for f in scenario.fields) + 2
    for f in scenario.fields:
        options = [(option_label(o, capital=True), o) for o in f.options]
        value = saved_fields.get(f.name)
        dropdowns[f.name] = widgets.Dropdown(
            options=options,
            value=value if value in f.options else start[f.name],
            description=f.name,
            tooltip=f"How to share {f.name}: {f.description}",
            style={"description_width": f"{width}ch"},
            layout={"width": f"calc({width}ch + 30em)"},
        )
        marks[f.name] = widgets.HTML(value="")
        rows.append(
            widgets.HBox(
                [dropdowns[f.name], marks[f.name]],
                layout={"flex_flow": "row wrap", "align_items": "center"},
            )
        )
    saved_size = previous.get("min_cell_size")
    valid_size = isinstance(saved_size, int) and live.low <= saved_size <= live.high
    # A list rather than a slider: ipywidgets' slider handle carries no accessible name
    # (axe: aria-input-field-name), while a <select> is labelled by its description.
    size_choice = widgets.Dropdown(
        options=[(str(k), k) for k in range(live.low, live.high + 1)],
        value=saved_size if valid_size else live.rule,
        description=THRESHOLD_SUBJECT,
        tooltip="Every count smaller than this is hidden",
        style={"description_width": "10em"},
        layout={"width": "16em"},
    )
    size_mark = widgets.HTML(value="")
    rule_note = widgets.HTML(
        value="<p>"
        + escape(catalogue.message("deid_rule", rule=live.rule, low=COMMON_LOW, high=COMMON_HIGH))
        + "</p>"
    )
    counts = widgets.HTML(value="")
    chart = widgets.HTML(value="")
    state: dict[str, Any] = {}

    def current() -> dict[str, str]:
        return {name: d.value for name, d in dropdowns.items()}

    def draw_chart() -> None:
        state["pending"] = None
        try:
            chart.value = live.chart(current(), size_choice.value)
        except Exception as error:  # a callback's exception would vanish into the log
            chart.value = f"<p>✘ The chart could not be drawn: {escape(error)}</p>"

    def refresh(_change: Any = None, *, defer: bool = True) -> None:
        """Recount and show the table at once; redraw the chart when the group pauses."""
        choices, threshold = current(), size_choice.value
        counted, result = live.table(choices, threshold)
        state.update(counted=counted, result=result)
        counts.value = live.table_html(counted, result)
        pending = state.get("pending")
        if pending is not None:
            pending.cancel()
        loop = _running_loop() if defer else None
        if loop is None:
            draw_chart()
        else:
            chart.value = _redrawing(chart.value)
            state["pending"] = loop.call_later(CHART_DELAY, draw_chart)

    for control in (*dropdowns.values(), size_choice):
        control.observe(refresh, names="value")
    refresh(defer=False)  # the first drawing is part of the output (and of the handout)

    def evaluate() -> Evaluation:
        return check_deidentification(
            catalogue, scenario, current(), size_choice.value, state["result"]
        )

    def show_marks(evaluation: Evaluation) -> None:
        for name, mark in marks.items():
            mark.value = evaluation.mark_html(name)
        size_mark.value = evaluation.mark_html("min_cell_size")

    header_html = scenario_header_html(scenario, position, total, catalogue)
    question = question_html(scenario)
    preview = preview_table(tab, scenario)

    def render_static(box: ExerciseBox) -> str:
        return static_page(
            "\n".join(
                [
                    header_html,
                    question,
                    preview,
                    worksheet_html(
                        scenario, rule_note.value.removeprefix("<p>").removesuffix("</p>")
                    ),
                    '<div class="dsw-live-result">',
                    fields_table(scenario, current()),
                    f"<p><strong>{THRESHOLD_SUBJECT}:</strong> {size_choice.value}.</p>",
                    rule_note.value,
                    counts.value,
                    chart.value,
                    "</div>",
                    feedback_section(box),
                ]
            )
        )

    box = exercise_box(
        exercise=EXERCISE,
        scenario_id=scenario.id,
        title=scenario.title,
        header=[
            widgets.HTML(value=header_html),
            widgets.HTML(value=question),
            widgets.HTML(value=preview),
            widgets.HTML(value=fields_table(scenario)),
            widgets.HTML(value=INSTRUCTIONS),
        ],
        controls=[*rows, widgets.HBox([size_choice, size_mark]), rule_note, counts, chart],
        evaluate=evaluate,
        on_check=on_check,
        render_static=render_static,
        show_marks=show_marks,
        saved=saved,
        saved_problem=saved_problem,
    )
    box.field_choices = dropdowns
    box.field_marks = marks
    box.min_cell_size = size_choice
    box.min_cell_size_mark = size_mark
    box.counts = counts
    box.chart = chart
    box.refresh = refresh
    box.draw_chart = draw_chart
    box.forget = live.forget
    box.suppression = lambda: state["result"]
    return box


# --------------------------------------------------------------------------- notebook API


exercise, exercises = notebook_api(EXERCISE, build, title="De-identifying and aggregating")


GUIDE_STEPS = (
    "Leave out every field that points straight at a person (a name, a case number) and "
    "every field the question does not need.",
    "Share the rest in no more detail than the question needs: an age band instead of a "
    "birth date, a town or county instead of a ZIP code.",
    "Count people instead of listing them, and hide every count below the minimum cell size.",
    "When totals are published, hide a few more counts, so that a hidden one cannot be "
    "worked out by subtracting the others from the total. The kit does this for you; the "
    "mark ○ shows where.",
)


def guide_html(*, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    rule = catalogue.jurisdiction.settings.min_cell_size
    steps = "".join(f"<li>{escape(s)}</li>" for s in GUIDE_STEPS)
    sections = [
        catalogue.section(s)
        for s in ("removing-pii", "aggregating-data")
        if s in catalogue.sections
    ]
    more = (
        "<p>Playbook: " + "; ".join(link(s.title, s.url) for s in sections) + "</p>"
        if sections
        else ""
    )
    note = escape(catalogue.message("deid_rule", rule=rule, low=COMMON_LOW, high=COMMON_HIGH))
    return (
        '<div class="dsw-guide">\n<h2>Share less, still answer the question</h2>\n'
        f"<ol>{steps}</ol>\n<p>{note} {escape(catalogue.message('deid_zeros'))}</p>\n"
        f"{more}\n</div>"
    )


guide = reference_card(
    guide_html, about="How de-identifying works, in four steps, shown above the exercises."
)


def answer_key(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> Any:
    """The answer key of every scenario, for the facilitator's cell.

    Returns
    -------
    IPython.display.HTML
        Per scenario: the right choice for every field and why, the table those choices
        give at the catalogue's minimum cell size, and the facilitator's notes.
    """
    from IPython.display import HTML

    return HTML(answer_key_html(scenario_set=scenario_set, jurisdiction=jurisdiction))


def answer_key_html(*, scenario_set: str = DEFAULT_SET, jurisdiction: str = "ct") -> str:
    catalogue = load_catalogue(jurisdiction or "ct")
    scenarios = load_scenarios(EXERCISE, jurisdiction or "ct", scenario_set or DEFAULT_SET)
    rule = catalogue.jurisdiction.settings.min_cell_size
    parts = ['<div class="dsw-answer-key">', "<h2>Answer key: de-identifying and aggregating</h2>"]
    for i, sc in enumerate(scenarios, start=1):
        rows = "".join(
            f'<tr><th scope="row"><code>{escape(f.name)}</code></th>'
            f"<td>{escape(either_words(f.answer))}</td><td>{escape(f.explanation)}</td></tr>"
            for f in sc.fields
        )
        counted = tabulator(sc).table(answer_choices(sc))
        result = suppress(counted.table, rule)
        section = catalogue.section(sc.source)
        parts.append(
            f"<h3>{i}. {escape(sc.title)} <small>({escape(sc.difficulty)})</small></h3>\n"
            f"{question_html(sc)}\n"
            f'<table class="dsw-table"><thead><tr><th scope="col">Field</th>'
            f'<th scope="col">Right choice</th><th scope="col">Why</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>\n"
            f"<p>With these choices and a minimum of {rule}: "
            f"{' '.join(escape(s) for s in result_sentences(catalogue, result))}</p>\n"
            + counts_table(counted, result, sc.columns)
            + "\n"
            + key_notes_and_source(sc.facilitator_notes, section)
        )
    parts.append("</div>")
    return "\n".join(parts)
