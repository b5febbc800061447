"""Bringing several answer stores into one: ``datasharing-workshop answers merge``.

Rooms without a network run the app on each group's laptop; afterwards the facilitator
merges those stores into one. Every record carries a stable ``uid``, so merging is
idempotent: a record already in the target (from an earlier merge, or because it was
saved there in the first place) is skipped, never added twice. The inputs are only read
(an SQLite input is read from a private copy, so not even SQLite's companion files appear
next to it), and every input is read and checked before anything is written: a foreign or
damaged input stops the merge with nothing changed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError, StoreError
from .answer_store import AnswerStore
from .location import StoreURL, resolve_store_path
from .records import AnswerRecord, Observation


@dataclass
class GroupCount:
    """What a merge did for one group of one workshop."""

    answers_added: int = 0
    answers_present: int = 0
    observations_added: int = 0
    observations_present: int = 0


@dataclass
class MergeReport:
    """The outcome of :func:`merge_stores`.

    Attributes
    ----------
    target
        The store merged into.
    sources
        The stores merged, in the order given.
    groups
        ``(workshop, group)`` -> counts; ``group`` is ``""`` for whole-room notes.
    """

    target: Path | StoreURL
    sources: list[Path | StoreURL] = field(default_factory=list)
    groups: dict[tuple[str, str], GroupCount] = field(default_factory=dict)

    @property
    def answers_added(self) -> int:
        return sum(c.answers_added for c in self.groups.values())

    @property
    def observations_added(self) -> int:
        return sum(c.observations_added for c in self.groups.values())

    def lines(self) -> list[str]:
        """The report as plain lines, by workshop then group."""
        count = len(self.sources)
        out = [f"merged {count} store{'s' if count != 1 else ''} into {self.target}"]
        current = None
        for (workshop, group), c in sorted(self.groups.items()):
            if workshop != current:
                out.append(f"workshop {workshop}:")
                current = workshop
            parts = [f"{_n(c.answers_added, 'answer')} added"]
            if c.answers_present:
                parts[-1] += f" ({c.answers_present} already there)"
            if c.observations_added or c.observations_present:
                text = f"{_n(c.observations_added, 'observation')} added"
                if c.observations_present:
                    text += f" ({c.observations_present} already there)"
                parts.append(text)
            out.append(f"  {group or '(whole room)'}: {', '.join(parts)}")
        if not self.groups:
            out.append("the stores hold no answers or observations")
        elif not self.answers_added and not self.observations_added:
            out.append("nothing new: every answer and observation was already there")
        return out


def merge_stores(
    target: AnswerStore, sources: Sequence[str | os.PathLike[str] | StoreURL]
) -> MergeReport:
    """Add every answer and observation of ``sources`` that ``target`` does not hold yet.

    Parameters
    ----------
    target
        The store to merge into (created if it is a new file).
    sources
        Stores to read: files or ``postgresql://`` URLs. They are never changed.

    Returns
    -------
    MergeReport
        What was added (and what was already there), per workshop and group.

    Raises
    ------
    InputError
        No sources, a source named twice, or a source that is the target itself.
    StoreError
        A source is missing, not a kit store, damaged or from a newer kit (nothing is
        written then), or the target cannot be written.
    """
    if not sources:
        raise InputError("name at least one answer store to merge")
    report = MergeReport(target=target.path)
    seen: dict[str, str] = {}
    answers: list[AnswerRecord] = []
    observations: list[Observation] = []
    for source in sources:
        location = resolve_store_path(source).absolute()
        key = _identity(location)
        if key == _identity(target.path):
            raise InputError(
                f"{location} is the store being merged into; name only the other stores "
                "(the target is --store, the workshop config's store_path, or "
                "$DATASHARING_WORKSHOP_STORE)"
            )
        if key in seen:
            raise InputError(f"{location} is named twice (also as {seen[key]})")
        seen[key] = str(source)
        if isinstance(location, Path) and not location.is_file():
            what = "a folder" if location.is_dir() else "not there"
            raise StoreError(f"cannot merge {location}: it is {what}, not an answer store file")
        try:
            with AnswerStore(location, create=False, read_only=True) as reader:
                answers += reader.answers()
                observations += reader.observations()
        except StoreError as exc:
            raise StoreError(f"cannot merge {location}: {exc}; nothing was merged") from None
        report.sources.append(location)

    added = target.backend.merge_rows(
        "answers", [_answer_row(r) for r in answers], what="merge the answers"
    )
    for record, new in zip(answers, added, strict=True):
        count = report.groups.setdefault((record.workshop, record.group), GroupCount())
        if new:
            count.answers_added += 1
        else:
            count.answers_present += 1
    added = target.backend.merge_rows(
        "observations", [_observation_row(o) for o in observations], what="merge the notes"
    )
    for note, new in zip(observations, added, strict=True):
        count = report.groups.setdefault((note.workshop, note.group), GroupCount())
        if new:
            count.observations_added += 1
        else:
            count.observations_present += 1
    return report


def _identity(location: Path | StoreURL) -> str:
    if isinstance(location, StoreURL):
        return location.url
    return os.path.realpath(location)


def _answer_row(record: AnswerRecord) -> dict[str, object]:
    return {
        "uid": record.uid,
        "workshop": record.workshop,
        "group": record.group,
        "exercise": record.exercise,
        "scenario": record.scenario,
        "answer": json.dumps(record.answer, ensure_ascii=False),
        "correct": int(record.correct),
        "score": record.score,
        "feedback": record.feedback,
        "recorded_at": record.recorded_at,
        "marks": json.dumps(list(record.marks), ensure_ascii=False),
    }


def _observation_row(note: Observation) -> dict[str, object]:
    return {
        "uid": note.uid,
        "workshop": note.workshop,
        "group": note.group,
        "author_role": note.author_role,
        "playbook_section": note.playbook_section,
        "worked": note.worked,
        "confused": note.confused,
        "suggestion": note.suggestion,
        "severity": note.severity,
        "recorded_at": note.recorded_at,
    }


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


__all__ = ["GroupCount", "MergeReport", "merge_stores"]
