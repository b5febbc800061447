"""What the answer store holds: one attempt (:class:`AnswerRecord`) or one observer's note
(:class:`Observation`), and the checks every value passes before it is saved.

Every record carries a ``uid``: a stable, unique name that travels with it when stores are
merged, so that merging the same store twice adds nothing the second time.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ..errors import InputError

SEVERITIES = ("low", "medium", "high")

#: Columns of an answer row in store format 1, in table order (``id`` is given by the
#: store); format 2 adds ``uid`` (listed first here) and ``marks``.
ANSWER_FIELDS = (
    "uid",
    "workshop",
    "group",
    "exercise",
    "scenario",
    "answer",
    "correct",
    "score",
    "feedback",
    "recorded_at",
)

#: Columns of an observation row, in table order.
OBSERVATION_FIELDS = (
    "uid",
    "workshop",
    "group",
    "author_role",
    "playbook_section",
    "worked",
    "confused",
    "suggestion",
    "severity",
    "recorded_at",
)


@dataclass(frozen=True)
class AnswerRecord:
    """One attempt at one scenario of one exercise by one group.

    Attributes
    ----------
    id
        Row id; increases with every saved answer, so it orders attempts within a store.
    workshop, group, exercise, scenario
        Who answered what (``exercise`` is e.g. ``"classify_data"``, ``scenario`` a
        scenario id from the exercise file).
    answer
        What the group chose, as saved (tuples come back as lists, keys as strings).
    correct
        Whether the answer was right.
    score
        Fraction right, 0 to 1, for exercises with partial credit; ``None`` otherwise.
    feedback
        The plain-language feedback the group was shown, as plain text.
    recorded_at
        When it was saved: ISO 8601, UTC, with microseconds.
    marks
        The mark of each item of the attempt, as the exercise graded it (one JSON object
        per item, e.g. ``{"item": "ssn", "mark": "right", ...}``); empty when the exercise
        saved none.
    uid
        The attempt's stable unique name, the same in every store it is merged into (not
        part of equality: the same attempt read from two stores compares equal).
    """

    id: int
    workshop: str
    group: str
    exercise: str
    scenario: str
    answer: dict[str, Any] = field(hash=False)
    correct: bool
    score: float | None
    feedback: str
    recorded_at: str
    marks: tuple[dict[str, Any], ...] = field(default=(), hash=False)
    uid: str = field(default="", compare=False)


@dataclass(frozen=True)
class Observation:
    """One "fly on the wall" note by an observer (or a participant) about the workshop.

    Attributes
    ----------
    id
        Row id, increasing.
    workshop
        Workshop the note is about.
    group
        Group watched; ``""`` for a note about the whole room.
    author_role
        Who wrote it, e.g. ``"observer"`` or ``"participant"``.
    playbook_section
        Playbook section the note concerns.
    worked, confused, suggestion
        Free text: what worked, what confused people, what to change.
    severity
        ``"low"``, ``"medium"`` or ``"high"``.
    recorded_at
        When it was saved: ISO 8601, UTC, with microseconds.
    uid
        The note's stable unique name (see :class:`AnswerRecord`).
    """

    id: int
    workshop: str
    group: str
    author_role: str
    playbook_section: str
    worked: str
    confused: str
    suggestion: str
    severity: str
    recorded_at: str
    uid: str = field(default="", compare=False)


# --------------------------------------------------------------------------- uids


def new_uid() -> str:
    """A fresh unique name for a record saved now."""
    return uuid.uuid4().hex


def legacy_uid(table: str, row: Mapping[str, Any]) -> str:
    """The uid of a record saved before stores had uids (store format 1).

    Derived from the record's saved values (the answer as its stored JSON text), so a
    format-1 store read as it is and the same store after its upgrade give the same uids,
    and merging either twice adds nothing the second time.
    """
    fields = ANSWER_FIELDS if table == "answers" else OBSERVATION_FIELDS
    values = []
    for name in fields[1:]:
        value = row[name]
        if name == "correct":
            value = int(bool(value))
        elif name == "score" and value is not None:
            value = repr(float(value))
        values.append(value)
    digest = hashlib.sha256(json.dumps([table, *values], ensure_ascii=False).encode("utf-8"))
    return "v1-" + digest.hexdigest()[:32]


# --------------------------------------------------------------------------- checks


def now() -> str:
    """The current time as the store writes it: ISO 8601, UTC, microseconds."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def require_name(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {type(value).__name__} ({value!r})")
    if not value.strip():
        raise InputError(f"{name} is empty: each saved record needs a non-empty {name}")


def require_text(name: str, value: object) -> None:
    if not isinstance(value, str):
        raise InputError(f"{name} must be text, not {type(value).__name__} ({value!r})")


def require_bool(name: str, value: object) -> bool:
    # Accepts numpy.bool_ (widgets and pandas produce it) but not strings such as "no".
    if isinstance(value, str) or value not in (True, False):
        raise InputError(f"{name} must be True or False, not {value!r}")
    return bool(value)


def require_score(score: object) -> float | None:
    if score is None:
        return None
    if isinstance(score, bool) or not isinstance(score, numbers.Real):
        raise InputError(f"score must be a number from 0 to 1 or None, not {score!r}")
    value = float(score)
    if math.isnan(value) or not 0.0 <= value <= 1.0:
        raise InputError(f"score must be a fraction from 0 to 1 (got {score!r})")
    return value


def require_severity(severity: object) -> str:
    level = severity.strip().lower() if isinstance(severity, str) else severity
    if level not in SEVERITIES:
        raise InputError(f"severity must be one of low, medium, high (got {severity!r})")
    return str(level)


def marks_to_json(marks: object) -> str:
    """Check per-item marks (a sequence of mappings) and return them as JSON text."""
    if isinstance(marks, (str, bytes, Mapping)) or not isinstance(marks, Sequence):
        raise InputError(f"marks must be a list of mappings, not {type(marks).__name__}")
    for index, mark in enumerate(marks):
        if not isinstance(mark, Mapping):
            raise InputError(
                f"marks[{index}] must be a mapping such as a dict, not {type(mark).__name__}"
            )
    try:
        return json.dumps([dict(m) for m in marks], ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"marks cannot be saved as JSON: {exc}") from None


def answer_to_json(answer: object) -> str:
    if not isinstance(answer, Mapping):
        raise InputError(f"answer must be a mapping such as a dict, not {type(answer).__name__}")
    try:
        return json.dumps(dict(answer), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError(f"answer cannot be saved as JSON: {exc}") from None
