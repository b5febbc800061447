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
    first = group_scores(data, first=True)
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
                f = first.get((group, e.id))
                changed = f is not None and (f.right, f.mean) != (s.right, s.mean)
                first_text = f" (first try: {f.right} right · {f.mean:.0%})" if changed else ""
                cells.append(f"<td>{s.right} of {s.answered} right{first_text} · {s.mean:.0%}</td>")
                lines.append(f"{group} / {e.title}: {s.right} of {s.answered} right{first_text}")
        rows.append(f'<tr><th scope="row">{escape(group)}</th>{"".join(cells)}</tr>')
    summary = (
        f"<p>{len(data.groups)} groups, {len(data.records)} answers (each group's latest "
        f"attempt at each scenario), {len(data.observations)} observer notes.</p>"
    )
    notes = "".join(f"<p><em>{escape(n)}</em></p>" for n in data.notes)
    table = (
        f"<table><caption>Results by group: scenarios fully right in the latest attempt (and "
        f"in the first), and the average score (partial credit)</caption>"
        f'<thead><tr><th scope="col">Group</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return _wrap(summary + table + notes, "\n".join(lines))


def _cell(answer: ItemAnswer | None, first: ItemAnswer | None, tries: int) -> str:
    if answer is None:
        return "<td>—</td>"
    before = ""
    if first is not None and tries > 1:
        if (first.chosen_label, first.result) != (answer.chosen_label, answer.result):
            before = (
                f"<br><small>First try: {escape(first.chosen_label)} · "
                f"{RESULT_WORDS[first.result]}</small>"
            )
        else:
            before = "<br><small>First try: the same</small>"
    return (
        f'<td class="dsw-{answer.result}">{escape(answer.chosen_label)}<br>'
        f"{RESULT_WORDS[answer.result]}{before}</td>"
    )


def answers_table(data: ReportData, exercise: ExerciseInfo) -> HtmlBlock:
    """Items (rows) by groups (columns) for one exercise, with the key in the first column.

    Each cell shows the group's latest attempt and, when the group checked more than once,
    its first attempt beside it (where the learning shows).
    """
    by_item: dict[int, dict[str, ItemAnswer]] = defaultdict(dict)
    first_by_item: dict[int, dict[str, ItemAnswer]] = defaultdict(dict)
    for a in data.answers:
        if a.item.exercise == exercise.id:
            by_item[id(a.item)][a.group] = a
    for a in data.first_answers:
        if a.item.exercise == exercise.id:
            first_by_item[id(a.item)][a.group] = a
    groups = data.groups
    head = "".join(f'<th scope="col">{escape(g)}</th>' for g in groups)
    rows = []
    for item in exercise.items:
        answers = by_item.get(id(item))
        if not answers:
            continue
        firsts = first_by_item.get(id(item), {})
        key = escape(item.key) if item.key is not None else "<em>shown as saved</em>"
        source = (
            f"<br><small>{section_link(data.catalogue, item.source)}</small>"
            if item.source and item.source in data.catalogue.sections
            else ""
        )
        label = escape(item.scenario_title)
        if item.item_label:
            label += f" › {escape(item.item_label)}"
        cells = "".join(
            _cell(
                answers.get(g),
                firsts.get(g),
                data.attempts.get((g, exercise.id, item.scenario), 1),
            )
            for g in groups
        )
        rows.append(f'<tr><th scope="row">{label}{source}</th><td>{key}</td>{cells}</tr>')
    body = (
        f"<h3>{escape(exercise.title)}</h3><p>{escape(exercise.note)}</p>"
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
        body = "<p>No item was answered differently by two or more groups.</p>"
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
