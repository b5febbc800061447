"""Writing answers and observations out: CSV and JSON exports, and an HTML table."""

from __future__ import annotations

import csv
import html
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, TextIO

from ..errors import InputError
from .records import AnswerRecord, Observation

#: Columns of ``export_answers`` CSV output, in order.
ANSWER_COLUMNS = (
    "id",
    "workshop",
    "group",
    "exercise",
    "scenario",
    "correct",
    "score",
    "answer",
    "feedback",
    "recorded_at",
)

#: Columns of ``export_observations`` CSV output, in order.
OBSERVATION_COLUMNS = (
    "id",
    "workshop",
    "group",
    "author_role",
    "playbook_section",
    "severity",
    "worked",
    "confused",
    "suggestion",
    "recorded_at",
)


def export_answers(
    records: Iterable[AnswerRecord], fmt: Literal["csv", "json"], stream: TextIO
) -> int:
    """Write answer records to ``stream`` as CSV or JSON.

    Free text is written exactly as saved; escaping it is the job of whatever renders it.

    Parameters
    ----------
    records
        The records, e.g. from :meth:`AnswerStore.answers`.
    fmt
        ``"csv"``: a header row then one row per record, columns :data:`ANSWER_COLUMNS`,
        ``correct`` as ``true``/``false``, ``score`` empty when absent and ``answer`` as
        JSON text. ``"json"``: a list of objects with the same keys, ``answer`` nested.
    stream
        A text stream; open files with ``newline=""`` so CSV line endings stay intact.

    Returns
    -------
    int
        Number of records written.

    Raises
    ------
    InputError
        ``fmt`` is neither ``"csv"`` nor ``"json"``.
    """
    rows = [
        {
            "id": r.id,
            "workshop": r.workshop,
            "group": r.group,
            "exercise": r.exercise,
            "scenario": r.scenario,
            "correct": r.correct,
            "score": r.score,
            "answer": r.answer,
            "feedback": r.feedback,
            "recorded_at": r.recorded_at,
        }
        for r in records
    ]
    return _export(rows, ANSWER_COLUMNS, fmt, stream)


def export_observations(
    records: Iterable[Observation], fmt: Literal["csv", "json"], stream: TextIO
) -> int:
    """Write observations to ``stream`` as CSV or JSON.

    Parameters
    ----------
    records
        The notes, e.g. from :meth:`AnswerStore.observations`.
    fmt
        ``"csv"`` (columns :data:`OBSERVATION_COLUMNS`) or ``"json"`` (a list of objects).
    stream
        A text stream; open files with ``newline=""``.

    Returns
    -------
    int
        Number of notes written.

    Raises
    ------
    InputError
        ``fmt`` is neither ``"csv"`` nor ``"json"``.
    """
    rows = [{name: getattr(r, name) for name in OBSERVATION_COLUMNS} for r in records]
    return _export(rows, OBSERVATION_COLUMNS, fmt, stream)


def _export(rows: list[dict[str, Any]], columns: Sequence[str], fmt: str, stream: TextIO) -> int:
    if fmt == "json":
        json.dump(rows, stream, ensure_ascii=False, indent=2)
        stream.write("\n")
    elif fmt == "csv":
        writer = csv.writer(stream)
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row[name]) for name in columns])
    else:
        raise InputError(f"unknown export format {fmt!r}; use 'csv' or 'json'")
    return len(rows)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


# --------------------------------------------------------------------------- HTML


def answers_table_html(records: Iterable[AnswerRecord], *, caption: str = "Saved answers") -> str:
    """Render answer records as a simple, accessible HTML table.

    Every free-text value (names, answers, feedback, the caption) is escaped. Whether an
    answer was right is written as "Right" or "Not yet", never shown by colour alone.

    Parameters
    ----------
    records
        The records to show, e.g. from :meth:`AnswerStore.latest_answers`.
    caption
        Text of the table's ``<caption>``.

    Returns
    -------
    str
        A ``<table>`` element.
    """
    headings = ("Group", "Exercise", "Scenario", "Result", "Score", "Answer", "Feedback", "Saved")
    parts = [
        '<table class="dsw-answers">',
        f"<caption>{html.escape(caption)}</caption>",
        "<thead><tr>",
        *(f'<th scope="col">{heading}</th>' for heading in headings),
        "</tr></thead>",
        "<tbody>",
    ]
    count = 0
    for record in records:
        count += 1
        score = "" if record.score is None else f"{record.score:.0%}"
        cells = (
            record.group,
            record.exercise,
            record.scenario,
            "Right" if record.correct else "Not yet",
            score,
            _answer_text(record.answer),
            record.feedback,
            record.recorded_at,
        )
        parts.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    if not count:
        parts.append(f'<tr><td colspan="{len(headings)}">No answers saved yet.</td></tr>')
    parts += ["</tbody>", "</table>"]
    return "\n".join(parts)


def _answer_text(answer: Mapping[str, Any]) -> str:
    """Show an answer as "key: value; key: a, b" rather than as JSON punctuation."""

    def show(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(show(item) for item in value)
        if isinstance(value, dict):
            return json.dumps(value, ensure_ascii=False)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "" if value is None else str(value)

    return "; ".join(f"{key}: {show(value)}" for key, value in answer.items())
