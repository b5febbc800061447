"""HTML tables for the report-back: scores, answers against the key, prompts, notes.

Every value that came from the store (group names, free-text answers, notes) is escaped.
Results are written as words with a symbol ("✔ Right", "✘ Not yet"), never as colour.
"""

from __future__ import annotations

from collections import defaultdict

from ..plenary.display import HtmlBlock, bullet_list, escape, section_link
from .data import RESULT_WORDS, ExerciseInfo, ItemAnswer, ReportData, group_scores
from .prompts import Prompt

__all__ = ["answers_table", "observations_table", "overview_table", "prompts_list"]

_STYLE = (
    "<style>.dsw-report table{border-collapse:collapse;margin:.5em 0}"
    # !important: notebook viewers right-align table cells with more specific selectors.
    ".dsw-report th,.dsw-report td{border:1px solid #888;padding:.2em .45em;"
    "text-align:left!important;vertical-align:top}.dsw-report .dsw-right{font-weight:normal}"
    ".dsw-report .dsw-wrong{font-weight:bold}</style>"
)


def _wrap(body: str, text: str = "") -> HtmlBlock:
    return HtmlBlock(f'<div class="dsw-report">{_STYLE}{body}</div>', text)


def overview_table(data: ReportData) -> HtmlBlock:
    """One row per group, one column per exercise: right answers and average score."""
    if not data.records:
        where = f" in {data.store_path}" if data.store_path else ""
        message = (
            f"No answers saved yet for workshop '{data.workshop}'{where}. Check that the "
            "groups' notebooks use the same workshop_id and store_path as this one."
        )
        if data.other_workshops:
            from ..content.workshop_name import other_workshops_note

            message += " " + other_workshops_note(data.other_workshops, data.workshop)
        return _wrap(f"<p><strong>{escape(message)}</strong></p>", message)
    scores = group_scores(data)
    head = "".join(f'<th scope="col">{escape(e.title)}</th>' for e in data.exercises)
    rows = []
    lines = []
    for group in data.groups:
        cells = []
        for e in data.exercises:
            s = scores.get((group, e.id))
            if s is None:
                cells.append("<td>—</td>")
            else:
                cells.append(f"<td>{s.right} of {s.answered} right · {s.mean:.0%}</td>")
                lines.append(f"{group} / {e.title}: {s.right} of {s.answered} right")
        rows.append(f'<tr><th scope="row">{escape(group)}</th>{"".join(cells)}</tr>')
    summary = (
        f"<p>{len(data.groups)} groups, {len(data.records)} answers (each group's latest "
        f"attempt at each scenario), {len(data.observations)} observer notes.</p>"
    )
    notes = "".join(f"<p><em>{escape(n)}</em></p>" for n in data.notes)
    table = (
        f"<table><caption>Results by group: scenarios fully right, and the average score "
        f'(partial credit)</caption><thead><tr><th scope="col">Group</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return _wrap(summary + table + notes, "\n".join(lines))


def _cell(answer: ItemAnswer | None, show_detail: bool) -> str:
    if answer is None:
        return "<td>—</td>"
    detail = ""
    if show_detail and answer.detail:
        detail = f"<br><small>{escape(answer.detail)}</small>"
    return (
        f'<td class="dsw-{answer.result}">{escape(answer.chosen_label)}<br>'
        f"{RESULT_WORDS[answer.result]}{detail}</td>"
    )


def answers_table(data: ReportData, exercise: ExerciseInfo) -> HtmlBlock:
    """Items (rows) by groups (columns) for one exercise, with the key in the first column."""
    by_item: dict[int, dict[str, ItemAnswer]] = defaultdict(dict)
    for a in data.answers:
        if a.item.exercise == exercise.id:
            by_item[id(a.item)][a.group] = a
    groups = data.groups
    head = "".join(f'<th scope="col">{escape(g)}</th>' for g in groups)
    rows = []
    for item in exercise.items:
        answers = by_item.get(id(item))
        if not answers:
            continue
        key = escape(item.key_label) if item.key is not None else "<em>no key</em>"
        if item.key_detail_label:
            key += f"<br><small>{escape(item.key_detail_label)}</small>"
        source = (
            f"<br><small>{section_link(data.catalogue, item.source)}</small>"
            if (item.source)
            else ""
        )
        label = escape(item.scenario_title)
        if item.field:
            label += f" › <code>{escape(item.field)}</code>"
        cells = "".join(_cell(answers.get(g), exercise.kind == "classify") for g in groups)
        rows.append(f'<tr><th scope="row">{label}{source}</th><td>{key}</td>{cells}</tr>')
    detail = {
        "classify": "Each cell: the category chosen, the result, and the governing rule chosen.",
        "transfer": (
            "Each cell: the channel chosen and the result (◐ Nearly: the channel may carry the "
            "file, but the steps before sending were not all right)."
        ),
        "generic": "This exercise has no key the report-back can read; answers are shown as saved.",
    }[exercise.kind]
    body = (
        f"<h3>{escape(exercise.title)}</h3><p>{escape(detail)}</p>"
        f'<table><thead><tr><th scope="col">Item</th><th scope="col">Key</th>{head}</tr>'
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _wrap(body, f"{exercise.title}: {len(rows)} items")


def prompts_list(prompts: list[Prompt], questions: list[str]) -> HtmlBlock:
    """Numbered prompts where the groups disagreed, then the general debrief questions."""
    if prompts:
        body = "<p><strong>Where the groups disagreed</strong> (most divided first):</p>"
        body += bullet_list((escape(p.text) for p in prompts), ordered=True)
    else:
        body = "<p>The groups agreed on every item they answered.</p>"
    body += "<p><strong>Questions for the whole room:</strong></p>"
    body += bullet_list(escape(q) for q in questions)
    text = "\n".join([*(p.text for p in prompts), *questions])
    return _wrap(body, text)


def observations_table(data: ReportData) -> HtmlBlock:
    """Every note of the workshop, in playbook order, most serious first within a section."""
    if not data.observations:
        return _wrap("<p>No observer notes yet.</p>", "No observer notes yet.")
    order = {s.id: n for n, s in enumerate(data.catalogue.jurisdiction.sections)}
    severity = {"high": 0, "medium": 1, "low": 2}
    notes = sorted(
        data.observations,
        key=lambda o: (
            order.get(o.playbook_section, len(order)),
            severity.get(o.severity, 3),
            o.id,
        ),
    )
    rows = []
    for o in notes:
        where = (
            section_link(data.catalogue, o.playbook_section)
            if o.playbook_section
            else ("<em>general</em>")
        )
        who = escape(o.author_role) + (f", {escape(o.group)}" if o.group else "")
        rows.append(
            f"<tr><td>{where}</td><td>{escape(o.severity)}</td><td>{who}</td>"
            f"<td>{escape(o.worked)}</td><td>{escape(o.confused)}</td>"
            f"<td>{escape(o.suggestion)}</td></tr>"
        )
    heads = (
        "Playbook section",
        "Severity",
        "Noted by",
        "What worked",
        "What confused people",
        "Suggested change",
    )
    body = (
        "<table><thead><tr>" + "".join(f'<th scope="col">{h}</th>' for h in heads) + "</tr>"
        f"</thead><tbody>{''.join(rows)}</tbody></table>"
    )
    return _wrap(body, f"{len(notes)} observer notes")
