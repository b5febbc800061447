"""The groups' saved answers, as group handouts show them.

Read once per build in the main process (SQLite, standard library), digested per group for
the render keys, and handed to the workers as plain dictionaries. Everything in the store
was typed by participants, so every value is HTML-escaped here and nowhere trusted.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .cache import json_digest

NO_ANSWER = "No answer saved for this scenario."

#: Fields of an AnswerRecord that a group handout shows or that identify an attempt.
ANSWER_FIELDS = (
    "id",
    "group",
    "exercise",
    "scenario",
    "answer",
    "correct",
    "score",
    "feedback",
    "recorded_at",
)


def read_latest_answers(
    store_path: Path,
    workshop_id: str,
    *,
    jurisdiction: str = "ct",
    scenario_set: str = "",
) -> list[dict[str, Any]]:
    """Every group's latest attempt at each scenario of ``workshop_id``, with its words.

    Each record also carries the answer as a person reads it, from the breakout's own
    ``answer_block`` (labels, not ids): ``rows``, one (what, the group's answer) pair each,
    and ``html``, what the breakout shows above them (breakout 4's printable draft,
    breakout 5's table of counts), already escaped by the breakout.

    A store file that does not exist yet means "no answers" (it is never created here: a
    build must not leave an empty database behind a typo).

    Raises
    ------
    StoreError
        The file exists but cannot be read as an answer store.
    """
    if not store_path.exists():  # a file, or a PostgreSQL database holding the kit's tables
        return []
    from ..store import AnswerStore

    with AnswerStore(store_path, create=False) as store:
        records = store.latest_answers(workshop_id)
    out = [{name: getattr(r, name) for name in ANSWER_FIELDS} for r in records]
    words = _answer_words(jurisdiction, scenario_set)
    for record in out:
        record["rows"], record["html"] = words(record)
    return out


def _answer_words(jurisdiction: str, scenario_set: str):
    """A function giving a record's answer in words, through the breakouts' registry."""
    from ..breakouts.base import DEFAULT_SET
    from ..breakouts.registry import BREAKOUTS
    from ..breakouts.scenarios import load_scenarios
    from ..content.catalogue import load_catalogue
    from ..errors import ContentError, InputError

    scenario_set = scenario_set or DEFAULT_SET
    try:
        cat = load_catalogue(jurisdiction or "ct")
    except ContentError:
        cat = None
    found: dict[str, dict[str, Any]] = {}

    def words(record: Mapping[str, Any]) -> tuple[list[list[str]], str]:
        breakout = BREAKOUTS.get(record["exercise"])
        as_saved = [["Answer", answer_text(record["answer"])]], ""
        if cat is None or breakout is None:
            return as_saved
        if breakout.id not in found:
            try:
                found[breakout.id] = {
                    s.id: s for s in load_scenarios(breakout.id, str(cat.folder), scenario_set)
                }
            except ContentError:
                found[breakout.id] = {}
        scenario = found[breakout.id].get(record["scenario"])
        if scenario is None:
            return as_saved
        try:
            block = breakout.answer_block(cat, scenario, record["answer"], scenario_set)
        except (ContentError, InputError, KeyError, TypeError, ValueError):
            return as_saved
        return [[str(a), str(b)] for a, b in block.rows], block.html

    return words


def observations_digest(store_path: Path, workshop_id: str) -> str:
    """A digest of every observer's note of ``workshop_id`` ("" when there is no store).

    The report-back shows the notes, so its handout must be built again when one is added.
    A store on a server is covered by :func:`url_store_digest`.
    """
    if not isinstance(store_path, Path) or not store_path.is_file():
        return ""
    from ..store import AnswerStore

    with AnswerStore(store_path, create=False) as store:
        notes = store.observations(workshop_id)
    from dataclasses import asdict

    return json_digest([asdict(n) for n in sorted(notes, key=lambda n: n.id)])


def answers_for(
    answers: Iterable[Mapping[str, Any]], group: str, exercise: str | None = None
) -> list[dict[str, Any]]:
    """One group's answers (to one exercise, when given), in a stable order."""
    picked = [
        dict(a)
        for a in answers
        if a["group"] == group and (exercise is None or a["exercise"] == exercise)
    ]
    return sorted(picked, key=lambda a: (a["exercise"], a["scenario"], a["id"]))


def answers_digest(answers: Iterable[Mapping[str, Any]]) -> str:
    return json_digest(sorted((dict(a) for a in answers), key=lambda a: a["id"]))


def answer_text(answer: Any) -> str:
    """``{"level": "restricted", "fields": ["a", "b"]}`` -> ``level: restricted; fields: a, b``."""

    def show(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(show(v) for v in value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, dict):
            return "; ".join(f"{k}: {show(v)}" for k, v in value.items())
        return "" if value is None else str(value)

    return show(answer)


def _text(value: Any) -> str:
    """Escape free text and keep its line breaks."""
    return html.escape(str(value)).replace("\n", "<br>\n")


def group_answer_html(group: str, record: Mapping[str, Any] | None) -> str:
    """The static block shown under an exercise in a group handout.

    Parameters
    ----------
    group
        The group's name.
    record
        Its latest answer to this scenario, or None.

    Returns
    -------
    str
        An HTML fragment; all store text is escaped.
    """
    heading = f"{html.escape(group)}’s saved answer"
    parts = [
        f'<section class="dsw-group-answer" aria-label="{heading}">',
        f'<p class="dsw-group-answer-title"><strong>{heading}</strong></p>',
    ]
    if record is None:
        parts.append(f'<p class="dsw-no-answer">{NO_ANSWER}</p>')
    else:
        block = record.get("html") or ""  # the breakout's own view, escaped by the breakout
        shown = record.get("rows")
        if shown is None or (not shown and not block):
            shown = [["Answer", answer_text(record["answer"])]]
        if block:
            parts.append(block)
        rows = [(html.escape(str(label)), _text(words)) for label, words in shown]
        rows.append(("Result", "Right" if record["correct"] else "Not yet"))
        if record.get("score") is not None:
            rows.append(("Score", f"{float(record['score']):.0%}"))
        rows.append(("Feedback", _text(record.get("feedback") or "(none)")))
        saved = html.escape(str(record.get("recorded_at", "")))
        rows.append(("Saved", f'<time datetime="{saved}">{_saved_at(saved)}</time>'))
        parts.append('<table class="dsw-answer-table"><tbody>')
        parts += [f'<tr><th scope="row">{label}</th><td>{value}</td></tr>' for label, value in rows]
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts)


def _saved_at(iso: str) -> str:
    """``2025-03-14T13:05:00+00:00`` -> ``March 14, 2025, 1:05 PM UTC``."""
    from ..content.dates import format_moment

    try:
        moment = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    return f"{format_moment(moment)} UTC"


def url_store_digest(store_path: Any, workshop_id: str) -> str:
    """The saved answers and observer notes of ``workshop_id`` in a PostgreSQL store.

    A kernel's reads of a store on a server are invisible to the build (no file is
    opened), so notebooks given such a store are keyed on what it holds for the workshop.
    """
    if not store_path.exists():
        return "missing"
    from dataclasses import asdict

    from ..store import AnswerStore

    with AnswerStore(store_path, create=False) as store:
        answers = [asdict(r) for r in store.latest_answers(workshop_id)]
        notes = [asdict(n) for n in store.observations(workshop_id)]
    return json_digest({"answers": answers, "observations": notes})
