"""Observers' and participants' notes, exported as Markdown for the playbook's maintainers.

One file per workshop, one ``##`` heading per playbook section that received notes (in the
playbook's order), one ``###`` block per note. Each block is ready to paste as an issue on
the playbook's repository (``playbook.repository`` in ``jurisdiction.yaml``; Connecticut's
playbook is maintained on GitHub), and carries a link that opens a new issue with the
title and text already filled in.

The free text is quoted line by line (``> ``), so whatever a person typed, a heading or a
list, stays inside its note and cannot break the file's structure.
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from ..content.catalogue import Catalogue
from ..ownership import stamp_text
from ..store import Observation
from .markdown_quote import code_span, inline, quoted

__all__ = [
    "GENERAL_HEADING",
    "FeedbackExport",
    "feedback_markdown",
    "feedback_path",
    "issue_body",
    "issue_title",
    "issue_url",
    "write_feedback",
]

GENERAL_HEADING = "General notes (not about one section)"
#: Browsers and GitHub accept long URLs, but not unlimited ones; a longer note gets no
#: prefilled link and is pasted by hand.
MAX_URL_LENGTH = 6000
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class FeedbackExport:
    """The Markdown export, with what it contains."""

    markdown: str
    #: Section ids with notes, in the order of the file ("" for general notes).
    sections: tuple[str, ...]
    count: int


def _quote(text: str) -> str:
    return quoted(text)


def _first_sentence(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    for stop in (". ", "? ", "! "):
        if stop in text:
            text = text.split(stop, 1)[0]
    text = text.rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _section_name(catalogue: Catalogue, section_id: str) -> str:
    section = catalogue.sections.get(section_id)
    return section.title if section else section_id


def issue_title(catalogue: Catalogue, note: Observation, prefix: str = "Workshop feedback") -> str:
    """``Workshop feedback: <section's last heading>: <first sentence of the suggestion>``."""
    where = _section_name(catalogue, note.playbook_section).split(" › ")[-1] or "General"
    summary = _first_sentence(note.suggestion or note.confused or note.worked)
    return f"{prefix}: {where}: {summary}"


def issue_body(
    catalogue: Catalogue, note: Observation, severity_meanings: dict[str, str] | None = None
) -> str:
    """The text of one issue: section link, severity, who saw it, and the three answers."""
    lines = []
    section = catalogue.sections.get(note.playbook_section)
    if section is not None:
        lines.append(f"**Playbook section:** [{section.title}]({section.url})")
    elif note.playbook_section:
        lines.append(f"**Playbook section:** {inline(note.playbook_section)}")
    meaning = (severity_meanings or {}).get(note.severity, "")
    lines.append(f"**Severity:** {note.severity}" + (f" ({meaning})" if meaning else ""))
    seen = inline(note.author_role) + (f", watching {inline(note.group)}" if note.group else "")
    lines.append(
        f"**Noted by:** {seen}, at workshop {code_span(note.workshop)} ({_day(note.recorded_at)})"
    )
    for heading, text in (
        ("What worked", note.worked),
        ("What confused people", note.confused),
        ("Suggested change", note.suggestion),
    ):
        if text.strip():
            lines += ["", f"**{heading}**", "", _quote(text)]
    return "\n".join(lines)


def issue_url(repository: str, title: str, body: str, labels: Sequence[str] = ()) -> str | None:
    """A link that opens a new GitHub issue with title and body filled in, or None.

    None when the repository is not on GitHub or the link would be too long.
    """
    repo = repository.rstrip("/")
    if not repo.startswith("https://github.com/"):
        return None
    query = {"title": title, "body": body}
    if labels:
        query["labels"] = ",".join(labels)
    url = f"{repo}/issues/new?{urlencode(query)}"
    return url if len(url) <= MAX_URL_LENGTH else None


def feedback_markdown(
    catalogue: Catalogue,
    observations: Iterable[Observation],
    workshop_id: str,
    *,
    title_prefix: str = "Workshop feedback",
    labels: Sequence[str] = (),
    severity_meanings: dict[str, str] | None = None,
) -> FeedbackExport:
    """Every note of a workshop as one Markdown file, grouped by playbook section.

    Parameters
    ----------
    catalogue
        For section titles, their order and links, and the repository to file issues on.
    observations
        The notes, e.g. ``AnswerStore.observations(workshop_id)``.
    workshop_id
        Named in the heading.
    title_prefix, labels
        How issue titles start, and labels for the prefilled issue link.
    severity_meanings
        ``severity id -> meaning``, written next to each note's severity.

    Returns
    -------
    FeedbackExport
    """
    notes = list(observations)
    grouped: dict[str, list[Observation]] = defaultdict(list)
    for note in notes:
        grouped[note.playbook_section].append(note)
    order = [s.id for s in catalogue.jurisdiction.sections if s.id in grouped]
    order += sorted(s for s in grouped if s and s not in catalogue.sections)
    if "" in grouped:
        order.append("")
    playbook = catalogue.jurisdiction.playbook
    repository = playbook.repository if playbook else ""
    name = playbook.title if playbook else "the playbook"
    out = [
        f"# Feedback on the {name} from workshop {code_span(workshop_id)}",
        "",
        f"{len(notes)} note{'s' if len(notes) != 1 else ''} from observers and participants, "
        f"grouped by playbook section in the playbook's order.",
    ]
    if repository:
        out.append(
            f"Each note below is ready to become an issue on {repository}/issues: copy its "
            "title and text, or follow its link, which opens a new issue already filled in."
        )
    out.append("Notes on the same section are listed most serious first.")
    for section_id in order:
        heading = inline(_section_name(catalogue, section_id)) if section_id else GENERAL_HEADING
        out += ["", f"## {heading}"]
        section = catalogue.sections.get(section_id)
        if section is not None:
            out += ["", f"Playbook: <{section.url}>"]
        ranked = sorted(
            grouped[section_id], key=lambda n: (_SEVERITY_ORDER.get(n.severity, 3), n.id)
        )
        for note in ranked:
            title = issue_title(catalogue, note, title_prefix)
            body = issue_body(catalogue, note, severity_meanings)
            out += ["", f"### {inline(title)}", "", body]
            url = issue_url(repository, title, body, labels) if repository else None
            if url:
                out += ["", f"[Open this note as a new issue]({url})"]
    # The last line records a digest, so a later export can tell a facilitator's edits.
    return FeedbackExport(stamp_text("\n".join(out) + "\n"), tuple(order), len(notes))


def feedback_path(store_path: Path, workshop_id: str) -> Path:
    """Where the export is written by default: next to the answer store."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in workshop_id) or "workshop"
    folder = store_path.parent if isinstance(store_path, Path) else Path.cwd()  # URL: here
    return folder / f"{safe}-playbook-feedback.md"


def write_feedback(export: FeedbackExport, path: Path) -> Path:
    """Write the export in one step (a temporary file renamed over the target).

    Raises
    ------
    OSError
        The folder cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(export.markdown)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _day(recorded_at: str) -> str:
    """``2025-03-14T...`` -> ``March 14, 2025`` (the text as stored if it is not a date)."""
    from datetime import date

    from ..content.dates import format_date

    try:
        return format_date(date.fromisoformat(recorded_at[:10]))
    except ValueError:
        return recorded_at[:10]
