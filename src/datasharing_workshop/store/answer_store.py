"""The answer store: every group's answers and every observer's notes, behind one class.

Each press of "Check" in an exercise widget saves one :class:`AnswerRecord`; the
facilitator's report-back and ``datasharing-workshop answers export`` read them back. The
records live in an SQLite file on one machine, or in a PostgreSQL database when a hub
serves many participants' servers (see :mod:`.backend`); this class is the same on both.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import StoreError
from ..text_safety import MAX_ANSWER_CHARS, check_length, clean_text, clean_value
from .backend import Backend, open_backend
from .location import StoreURL, resolve_store_path
from .records import (
    AnswerRecord,
    Observation,
    answer_to_json,
    legacy_uid,
    marks_to_json,
    new_uid,
    now,
    require_bool,
    require_name,
    require_score,
    require_severity,
    require_text,
)


class AnswerStore:
    """Answers and observations of every workshop, in one SQLite file or PostgreSQL database.

    Safe to use from several processes (one per Jupyter kernel) and several threads at
    once. Each instance keeps one connection, opened on first use; :meth:`close` releases
    it (or use the store as a context manager).

    Parameters
    ----------
    path
        The store: a file path or a ``postgresql://`` URL; ``None`` resolves it with
        :func:`resolve_store_path`. A file and its folder are created on first use.
    create
        When ``False``, a missing store raises :class:`~datasharing_workshop.errors.StoreError`
        instead of being created (for readers such as the export command).
    read_only
        Only read, leaving the store exactly as it is (an SQLite file is read from a
        private copy; an older store is not upgraded). Used for stores being merged.

    Raises
    ------
    StoreError
        On first use, when the store cannot be created or opened, is not a kit store, or was
        written by a newer version of the kit.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | StoreURL | None = None,
        *,
        create: bool = True,
        read_only: bool = False,
    ):
        location = resolve_store_path(path)
        self.path: Path | StoreURL = location.absolute()
        self._backend: Backend = open_backend(self.path, create=create, read_only=read_only)

    @property
    def backend(self) -> Backend:
        """The database behind the store (``backend.dialect`` says which kind)."""
        return self._backend

    def __repr__(self) -> str:
        return f"AnswerStore({str(self.path)!r})"

    def __enter__(self) -> AnswerStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        # Best effort only: interpreter shutdown may have torn down what close() needs.
        with contextlib.suppress(Exception):
            self.close()

    def close(self) -> None:
        """Close the connection; the store reopens it if used again."""
        self._backend.close()

    # ----------------------------------------------------------------- writing

    def record_answer(
        self,
        *,
        workshop: str,
        group: str,
        exercise: str,
        scenario: str,
        answer: Mapping[str, Any],
        correct: bool,
        score: float | None = None,
        feedback: str = "",
        marks: Sequence[Mapping[str, Any]] = (),
    ) -> AnswerRecord:
        """Save one attempt, in its own transaction, and return it as saved.

        Parameters
        ----------
        workshop, group, exercise, scenario
            Non-empty names.
        answer
            What the group chose; must be JSON-serialisable.
        correct
            Whether it was right.
        score
            Fraction right (0 to 1) for partial credit, or ``None``.
        feedback
            The plain-language feedback shown to the group, as plain text.
        marks
            The mark of each item, one mapping per item (saved as JSON; the store does not
            look inside).

        Returns
        -------
        AnswerRecord
            The saved record, with its ``id``, ``uid`` and ``recorded_at``.

        Raises
        ------
        InputError
            A name is empty or not a string, ``answer`` is not a JSON-serialisable mapping,
            ``correct`` is not a boolean or ``score`` is outside 0 to 1.
        StoreError
            The store cannot be opened or written.
        """
        names = {
            "workshop": workshop,
            "group": group,
            "exercise": exercise,
            "scenario": scenario,
        }
        for name, value in names.items():
            require_name(name, value)
        # Text is cleaned (lone surrogates, bidi overrides, controls) and bounded first.
        names = {name: clean_text(value) for name, value in names.items()}
        answer = clean_value(answer) if isinstance(answer, Mapping) else answer
        require_text("feedback", feedback)
        feedback = clean_text(feedback)
        answer_json = answer_to_json(answer)
        check_length("the answer", answer_json, MAX_ANSWER_CHARS)
        correct_flag = require_bool("correct", correct)
        score_value = require_score(score)
        marks_json = marks_to_json(
            clean_value(list(marks)) if isinstance(marks, Sequence) else marks
        )
        row = {
            "uid": new_uid(),
            **names,
            "answer": answer_json,
            "correct": int(correct_flag),
            "score": score_value,
            "feedback": feedback,
            "recorded_at": now(),
            "marks": marks_json,
        }
        row_id = self._backend.insert("answers", row, what="save the answer")
        return self._answer_from_row({**row, "id": row_id})

    def record_observation(
        self,
        *,
        workshop: str,
        author_role: str,
        playbook_section: str,
        severity: str,
        group: str = "",
        worked: str = "",
        confused: str = "",
        suggestion: str = "",
    ) -> Observation:
        """Save one observer's note, in its own transaction, and return it as saved.

        Parameters
        ----------
        workshop
            Non-empty workshop name.
        author_role
            Non-empty role, e.g. ``"observer"`` or ``"participant"``.
        playbook_section
            Playbook section the note is about (may be empty).
        severity
            ``"low"``, ``"medium"`` or ``"high"`` (any letter case; saved in lower case).
        group
            Group watched, or ``""`` for the whole room.
        worked, confused, suggestion
            Free text.

        Returns
        -------
        Observation
            The saved note, with its ``id``, ``uid`` and ``recorded_at``.

        Raises
        ------
        InputError
            A required name is empty, a text field is not a string, or ``severity`` is not
            one of the three levels.
        StoreError
            The store cannot be opened or written.
        """
        require_name("workshop", workshop)
        require_name("author_role", author_role)
        texts = {
            "group": group,
            "playbook_section": playbook_section,
            "worked": worked,
            "confused": confused,
            "suggestion": suggestion,
        }
        for name, value in texts.items():
            require_text(name, value)
            check_length(name, value)
        texts = {name: clean_text(value) for name, value in texts.items()}
        row = {
            "uid": new_uid(),
            "workshop": clean_text(workshop),
            "group": texts["group"],
            "author_role": clean_text(author_role),
            "playbook_section": texts["playbook_section"],
            "worked": texts["worked"],
            "confused": texts["confused"],
            "suggestion": texts["suggestion"],
            "severity": require_severity(severity),
            "recorded_at": now(),
        }
        row_id = self._backend.insert("observations", row, what="save the observation")
        return _observation_from_row({**row, "id": row_id})

    # ----------------------------------------------------------------- reading

    def answers(
        self,
        workshop: str | None = None,
        group: str | None = None,
        exercise: str | None = None,
        scenario: str | None = None,
        *,
        from_id: int | None = None,
    ) -> list[AnswerRecord]:
        """Return every saved attempt matching the filters, oldest first.

        Parameters
        ----------
        workshop, group, exercise, scenario
            Keep only records with this value; ``None`` keeps all.
        from_id
            Keep only records whose row id is at least this (a reader that has the older
            rows reads only what was saved since).

        Returns
        -------
        list of AnswerRecord
            In the order they were saved.
        """
        where, params = _where(workshop=workshop, group=group, exercise=exercise, scenario=scenario)
        if from_id is not None:
            where += f"{' AND' if where else ' WHERE'} id >= ?"
            params = (*params, int(from_id))
        rows = self._backend.query(f"{self._answer_select()}{where} ORDER BY id", params)
        return [self._answer_from_row(row) for row in rows]

    def latest_answers(
        self,
        workshop: str,
        group: str | None = None,
        exercise: str | None = None,
    ) -> list[AnswerRecord]:
        """Return the latest attempt of each (group, exercise, scenario) in a workshop.

        This is what a re-run notebook shows as the group's saved answers, and what the
        report-back counts.

        Parameters
        ----------
        workshop
            The workshop.
        group, exercise
            Keep only this group / exercise; ``None`` keeps all.

        Returns
        -------
        list of AnswerRecord
            Sorted by group, exercise, then scenario.
        """
        where, params = _where(workshop=workshop, group=group, exercise=exercise)
        rows = self._backend.query(
            f"{self._answer_select()} WHERE id IN (SELECT MAX(id) FROM answers{where} "
            'GROUP BY "group", exercise, scenario) ORDER BY "group", exercise, scenario',
            params,
        )
        return [self._answer_from_row(row) for row in rows]

    def latest_answer(
        self, workshop: str, group: str, exercise: str, scenario: str
    ) -> AnswerRecord | None:
        """Return the group's latest attempt at one scenario, or ``None`` if there is none.

        Parameters
        ----------
        workshop, group, exercise, scenario
            Which attempt.

        Returns
        -------
        AnswerRecord or None
        """
        where, params = _where(workshop=workshop, group=group, exercise=exercise, scenario=scenario)
        rows = self._backend.query(
            f"{self._answer_select()}{where} ORDER BY id DESC LIMIT 1", params
        )
        return self._answer_from_row(rows[0]) if rows else None

    def count_answers(self, workshop: str | None = None) -> int:
        """Return how many attempts are saved (in ``workshop``, or in all workshops).

        Parameters
        ----------
        workshop
            The workshop to count, or ``None`` for all.

        Returns
        -------
        int
        """
        where, params = _where(workshop=workshop)
        rows = self._backend.query(f"SELECT COUNT(*) AS n FROM answers{where}", params)
        return int(rows[0]["n"])

    def groups(self, workshop: str) -> list[str]:
        """Return the names of the groups that saved answers in ``workshop``, sorted.

        Parameters
        ----------
        workshop
            The workshop.

        Returns
        -------
        list of str
        """
        rows = self._backend.query(
            'SELECT DISTINCT "group" FROM answers WHERE workshop = ? ORDER BY "group"',
            (workshop,),
        )
        return [row["group"] for row in rows]

    def workshops(self) -> list[str]:
        """Return the names of the workshops with answers or observations, sorted.

        Returns
        -------
        list of str
        """
        rows = self._backend.query(
            "SELECT workshop FROM answers UNION SELECT workshop FROM observations "
            "ORDER BY workshop",
            (),
        )
        return [row["workshop"] for row in rows]

    def observations(
        self, workshop: str | None = None, group: str | None = None
    ) -> list[Observation]:
        """Return the saved observations, oldest first.

        Parameters
        ----------
        workshop, group
            Keep only notes with this value (``group=""`` selects whole-room notes);
            ``None`` keeps all.

        Returns
        -------
        list of Observation
        """
        where, params = _where(workshop=workshop, group=group)
        uid = "uid" if self._backend.has_uids else "NULL AS uid"
        rows = self._backend.query(
            'SELECT id, workshop, "group", author_role, playbook_section, worked, confused, '
            f"suggestion, severity, recorded_at, {uid} FROM observations{where} ORDER BY id",
            params,
        )
        return [_observation_from_row(row) for row in rows]

    # ----------------------------------------------------------------- internals

    def _answer_select(self) -> str:
        # A format-1 store (read as it is, to be merged) has neither uids nor marks.
        extra = "uid, marks" if self._backend.has_uids else "NULL AS uid, '[]' AS marks"
        return (
            'SELECT id, workshop, "group", exercise, scenario, answer, correct, score, '
            f"feedback, recorded_at, {extra} FROM answers"
        )

    def _answer_from_row(self, row: Mapping[str, Any]) -> AnswerRecord:
        try:
            answer = json.loads(row["answer"])
            raw_marks = row["marks"]
            marks = [] if raw_marks == "[]" else json.loads(raw_marks)  # "[]": most rows
        except ValueError as exc:
            raise StoreError(
                f"the answer store at {self.path} holds an unreadable answer (row id "
                f"{row['id']}): {exc}. The store was changed outside the workshop kit; "
                "restore it from a backup or delete that row."
            ) from None
        score = row["score"]
        return AnswerRecord(
            id=int(row["id"]),
            workshop=row["workshop"],
            group=row["group"],
            exercise=row["exercise"],
            scenario=row["scenario"],
            answer=answer,
            correct=bool(row["correct"]),
            score=None if score is None else float(score),
            feedback=row["feedback"],
            recorded_at=row["recorded_at"],
            marks=tuple(marks) if isinstance(marks, list) else (),
            uid=row["uid"] or legacy_uid("answers", row),
        )


def _observation_from_row(row: Mapping[str, Any]) -> Observation:
    return Observation(
        id=int(row["id"]),
        workshop=row["workshop"],
        group=row["group"],
        author_role=row["author_role"],
        playbook_section=row["playbook_section"],
        worked=row["worked"],
        confused=row["confused"],
        suggestion=row["suggestion"],
        severity=row["severity"],
        recorded_at=row["recorded_at"],
        uid=row["uid"] or legacy_uid("observations", row),
    )


def _where(**filters: str | None) -> tuple[str, tuple[str, ...]]:
    # Column names come from our own keyword names, never from callers' values.
    used = {name: value for name, value in filters.items() if value is not None}
    if not used:
        return "", ()
    clause = " AND ".join(f'"{name}" = ?' for name in used)
    return f" WHERE {clause}", tuple(used.values())
