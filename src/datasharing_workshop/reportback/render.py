"""HTML tables for the report-back: scores, answers against the key, prompts, notes.

Every value that came from the store (group names, free-text answers, notes) is escaped.
Results are written as words with a symbol ("✔ Right", "✘ Not yet"), never as colour.
"""

from __future__ import annotations

from typing import Any

from ..plenary.display import HtmlBlock, bullet_list, escape, section_link
from ..store import AnswerRecord
from .data import RESULT_WORDS, ExerciseInfo, Item, ItemAnswer, ReportData, group_scores
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


# The same cell (answer, result, first try) recurs across groups and re-runs: made once.
_CELLS: dict[tuple[str, str, str, str, bool], str] = {}


def _cell(answer: ItemAnswer | None, first: ItemAnswer | None, tries: int) -> str:
    if answer is None:
        return "<td>—</td>"
    again = first is not None and tries > 1
    key = (
        answer.chosen_label,
        answer.result,
        first.chosen_label if again else "",  # type: ignore[union-attr]
        first.result if again else "",  # type: ignore[union-attr]
        again,
    )
    found = _CELLS.get(key)
    if found is None:
        found = _cell_html(*key)
        if len(_CELLS) > 20_000:
            _CELLS.clear()
        _CELLS[key] = found
    return found


def _cell_html(chosen: str, result: str, first_chosen: str, first_result: str, again: bool) -> str:
    before = ""
    if again:
        if (first_chosen, first_result) != (chosen, result):
            before = (
                f"<br><small>First try: {escape(first_chosen)} · "
                f"{RESULT_WORDS[first_result]}</small>"
            )
        else:
            before = "<br><small>First try: the same</small>"
    return f'<td class="dsw-{result}">{escape(chosen)}<br>{RESULT_WORDS[result]}{before}</td>'


ByItem = dict[int, dict[str, ItemAnswer]]


def answer_index(
    latest: list[ItemAnswer], first: list[ItemAnswer]
) -> dict[str, tuple[ByItem, ByItem]]:
    """Per exercise: item (by identity) -> group -> latest answer, and the same for the
    first answers."""
    index: dict[str, tuple[ByItem, ByItem]] = {}
    for n, answers in enumerate((latest, first)):
        for a in answers:
            pair = index.get(a.item.exercise)
            if pair is None:
                pair = index[a.item.exercise] = ({}, {})
            by_item = pair[n]
            found = by_item.get(id(a.item))
            if found is None:
                found = by_item[id(a.item)] = {}
            found[a.group] = a
    return index


# Rows of the answers table per (catalogue, exercise, scenario, items, attempts shown).
_ROWS: dict[tuple[Any, ...], tuple[Any, list[str]]] = {}


def _rows(
    data: ReportData,
    exercise: ExerciseInfo,
    items: list[Item],
    by_item: ByItem,
    first_by_item: ByItem,
) -> list[str]:
    groups = data.groups
    sections = data.catalogue.sections
    attempts = data.attempts
    rows = []
    for item in items:
        answers = by_item.get(id(item))
        if not answers:
            continue
        firsts = first_by_item.get(id(item), {})
        key = escape(item.key) if item.key is not None else "<em>shown as saved</em>"
        source = (
            f"<br><small>{section_link(data.catalogue, item.source)}</small>"
            if item.source and item.source in sections
            else ""
        )
        label = escape(item.scenario_title)
        if item.item_label:
            label += f" › {escape(item.item_label)}"
        cells = "".join(
            [
                _cell(
                    answers.get(g),
                    firsts.get(g),
                    attempts.get((g, exercise.id, item.scenario), 1),
                )
                for g in groups
            ]
        )
        rows.append(f'<tr><th scope="row">{label}{source}</th><td>{key}</td>{cells}</tr>')
    return rows


def answers_table(
    data: ReportData,
    exercise: ExerciseInfo,
    index: dict[str, tuple[ByItem, ByItem]] | None = None,
) -> HtmlBlock:
    """Items (rows) by groups (columns) for one exercise, with the key in the first column.

    Each cell shows the group's latest attempt and, when the group checked more than once,
    its first attempt beside it (where the learning shows). ``index``: from
    :func:`answer_index` (made here when needed and not given).
    """
    groups = data.groups
    head = "".join(f'<th scope="col">{escape(g)}</th>' for g in groups)
    # A scenario's rows show only its groups' first and latest attempts (a saved attempt
    # never changes), so they are made again only when one of those attempts is new.
    attempts_of: dict[str, dict[str, tuple[AnswerRecord, AnswerRecord]]] = {}
    part = data.by_exercise.get(exercise.id)
    paired = part is not None
    for latest, first in zip(part[0], part[1], strict=True) if part is not None else ():
        attempts_of.setdefault(latest.scenario, {})[latest.group] = (latest, first)
    rows = []
    scenario_items: dict[str, list[Item]] = {}
    for item in exercise.items:
        scenario_items.setdefault(item.scenario, []).append(item)
    for scenario, items in scenario_items.items():
        seen = attempts_of.get(scenario, {})
        key = (
            id(data.catalogue),
            exercise.id,
            scenario,
            tuple(items),
            tuple((g, r[0].uid, r[1].uid) for g in groups if (r := seen.get(g))),
        )
        known = paired and all(r[0].uid and r[1].uid for r in seen.values())
        made = _ROWS.get(key) if known else None
        if made is None or made[0] is not data.catalogue:
            if paired:  # only this scenario's attempts
                judged = data.judged
                latest = [a for r, _ in seen.values() for a in judged.get(r.id, ())]
                first = [a for _, r in seen.values() for a in judged.get(r.id, ())]
                index = answer_index(latest, first)
            elif index is None:
                index = answer_index(data.answers, data.first_answers)
            by_item, first_by_item = index.get(exercise.id, ({}, {}))
            made = (data.catalogue, _rows(data, exercise, items, by_item, first_by_item))
            if known:
                if len(_ROWS) > 5_000:
                    _ROWS.clear()
                _ROWS[key] = made
        rows += made[1]
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
