"""``build --pdf``: every handout as a PDF, plus the packets and sheets made for paper.

After the HTML build, this step writes into ``<output>/pdf/``:

==============================  ==========================================================
``participant/<notebook>.pdf``  each handout, printed from its HTML (also ``facilitator/``,
``facilitator/guide/``,         ``groups/<group>/`` and the guide's own pages)
``participant-packet.pdf``      the participant handouts in the agenda's order, printed
                                as one document (``sheets/participant-packet.html``)
``facilitator-binder.pdf``      the facilitator handouts in the agenda's order, the
                                observers' sheets, the cheat sheet and the guide's pages
``cheat-sheet.pdf``             one page: kinds of data, channels, agreements
``observer/<notebook>.pdf``     an observer's clipboard sheet per breakout
==============================  ==========================================================

The sheets' HTML goes to ``<output>/sheets/`` (they print from a browser as well).

Like the HTML build, a PDF is printed again only when what it is printed from changed
(the HTML, the paper, the titles, this code); keys are kept in ``<cache>/pdf.json``.
PDFs this step wrote before for handouts that are gone are removed; nothing else is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cache import atomic_write_bytes, json_digest, tree_digest

PDF_FOLDER = "pdf"
SHEETS_FOLDER = "sheets"
PACKET = "participant-packet.pdf"
BINDER = "facilitator-binder.pdf"
CHEAT_SHEET = "cheat-sheet.pdf"

Log = Callable[[str], None]


@dataclass(frozen=True)
class Handout:
    """A built HTML handout, as the manifest records it."""

    path: Path
    title: str
    variant: str  # participant, facilitator, group, guide, sheet
    notebook: str = ""
    group: str = ""


@dataclass
class PrintReport:
    """What ``--pdf`` did."""

    paper: str
    #: Pages of every PDF (path relative to the output folder).
    pages: dict[str, int] = field(default_factory=dict)
    printed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    seconds: float = 0.0


def agenda_order(stems: Sequence[str]) -> list[str]:
    """``stems`` in the agenda's running order; notebooks the agenda lacks keep their place
    after those it lists."""
    try:
        from ..plenary.agenda import load_agenda

        running = load_agenda().notebooks
    except Exception:  # no agenda: the notebooks' own order is the running order
        running = []
    rank = {stem: n for n, stem in enumerate(running)}
    return sorted(stems, key=lambda s: (rank.get(s, len(rank)), stems.index(s)))


def write_sheets(
    output: Path,
    *,
    facts: Mapping[str, Any],
    jurisdiction: str,
    guide: Path,
    breakouts: Sequence[tuple[str, str]],
) -> list[Handout]:
    """Write the cheat sheet and one observer's sheet per ``(stem, title)`` breakout."""
    from ..content.catalogue import load_catalogue
    from .sheets import cheat_sheet, observer_sheet

    folder = output / SHEETS_FOLDER
    sheets = [cheat_sheet(load_catalogue(jurisdiction), facts)]
    for stem, title in breakouts:
        sheets.append(
            observer_sheet(
                stem=stem, title=title, guide=guide, facts=facts, jurisdiction=jurisdiction
            )
        )
    written = []
    for sheet in sheets:
        path = folder / f"{sheet.name}.html"
        data = sheet.html.encode("utf-8")
        unchanged = False
        with contextlib.suppress(OSError):
            unchanged = path.read_bytes() == data
        if not unchanged:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
        written.append(Handout(path, sheet.title, "sheet", notebook=sheet.name))
    return written


def write_packet(output: Path, parts: Sequence[Handout]) -> Handout | None:
    """The participant handouts as one HTML page, in order, for the participant packet.

    Printed as one document rather than put together from each handout's PDF, so that a
    handout starts right after the one before instead of on a fresh page: each handout's
    half-empty last page cost the packet about four pages.
    """
    if not parts:
        return None
    from bs4 import BeautifulSoup

    first = BeautifulSoup(parts[0].path.read_text(encoding="utf-8"), features="html.parser")
    title = "Participant packet"
    if first.title is not None:
        rest = first.title.get_text().split(" – ", 1)
        first.title.string = f"{title} – {rest[-1]}" if len(rest) > 1 else title
    badge = first.select_one(".dsw-variant")
    if badge is not None:
        badge.string = title
    main = first.find("main")
    for toc in first.select("nav.dsw-toc"):
        toc.decompose()
    if main is None:  # pragma: no cover - the template always has one
        return None
    body = list(main.children)
    main.clear()
    section = first.new_tag("section", attrs={"class": "dsw-packet-part"})
    for child in body:
        section.append(child)
    main.append(section)
    for part in parts[1:]:
        soup = BeautifulSoup(part.path.read_text(encoding="utf-8"), features="html.parser")
        other = soup.find("main")
        if other is None:  # pragma: no cover
            continue
        section = first.new_tag("section", attrs={"class": "dsw-packet-part"})
        for child in list(other.children):
            section.append(child)
        main.append(section)
    path = output / SHEETS_FOLDER / "participant-packet.html"
    data = str(first).encode("utf-8")
    unchanged = False
    with contextlib.suppress(OSError):
        unchanged = path.read_bytes() == data
    if not unchanged:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    return Handout(path, title, "packet", notebook="participant-packet")


def _pdf_path(output: Path, handout: Handout) -> Path:
    if handout.variant == "packet":
        return output / PDF_FOLDER / PACKET
    relative = handout.path.relative_to(output)
    if handout.variant == "sheet":
        name = handout.path.stem
        if name.startswith("observer-"):
            return output / PDF_FOLDER / "observer" / f"{name.removeprefix('observer-')}.pdf"
        return output / PDF_FOLDER / f"{name}.pdf"
    return output / PDF_FOLDER / relative.with_suffix(".pdf")


def print_build(
    output: Path,
    *,
    cache_dir: Path,
    handouts: Sequence[Handout],
    workshop_title: str,
    paper: str,
    facts: Mapping[str, Any],
    jurisdiction: str,
    guide: Path,
    breakouts: Sequence[tuple[str, str]],
    log: Log | None = None,
) -> PrintReport:
    """Print every handout and sheet, then put the packet and the binder together.

    Parameters
    ----------
    handouts
        The built HTML handouts, notebooks in agenda order.
    breakouts
        ``(notebook stem, title)`` of each breakout, for the observers' sheets.

    Raises
    ------
    InputError
        Bad paper size, or Playwright, pypdf or Chromium missing (exit status 2).
    BuildError
        Chromium failed.
    """
    from .pdf import PrintJob, merge_pdfs, paper_format, print_pdfs

    started = time.perf_counter()
    say = log or (lambda _m: None)
    paper = paper.lower()
    paper_format(paper)
    report = PrintReport(paper=paper)
    sheets = write_sheets(
        output, facts=facts, jurisdiction=jurisdiction, guide=guide, breakouts=breakouts
    )
    packet = write_packet(output, [doc for doc in handouts if doc.variant == "participant"])
    documents = [*handouts, *sheets, *([packet] if packet else [])]
    keys_file = cache_dir / "pdf.json"
    try:
        known: dict[str, dict[str, Any]] = json.loads(keys_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    code = tree_digest(Path(__file__).resolve().parent)
    records: dict[str, dict[str, Any]] = {}
    jobs: list[PrintJob] = []
    keys: dict[Path, str] = {}
    for doc in documents:
        pdf = _pdf_path(output, doc)
        key = json_digest(
            {
                "html": hashlib.sha256(doc.path.read_bytes()).hexdigest(),
                "paper": paper,
                "title": doc.title,
                "workshop": workshop_title,
                "code": code,
            }
        )
        keys[pdf] = key
        old = known.get(str(pdf), {})
        if old.get("key") == key and pdf.is_file():
            records[str(pdf)] = old
            report.unchanged.append(_rel(pdf, output))
        else:
            jobs.append(PrintJob(doc.path, pdf, doc.title))
    if jobs:
        say(f"Printing {len(jobs)} PDF(s) on {paper_format(paper)} paper with Chromium...")
    pages = print_pdfs(jobs, paper=paper, workshop_title=workshop_title)
    for pdf, count in pages.items():
        records[str(pdf)] = {"key": keys[pdf], "pages": count}
        report.printed.append(_rel(pdf, output))

    by_doc = {id(doc): _pdf_path(output, doc) for doc in documents}
    binder_parts = (
        [(doc.title, by_doc[id(doc)]) for doc in handouts if doc.variant == "facilitator"]
        + [(doc.title, by_doc[id(doc)]) for doc in sheets if doc.notebook != "cheat-sheet"]
        + [(doc.title, by_doc[id(doc)]) for doc in sheets if doc.notebook == "cheat-sheet"]
        + [(doc.title, by_doc[id(doc)]) for doc in handouts if doc.variant == "guide"]
    )
    for name, parts in ((BINDER, binder_parts),):
        if not parts:
            continue
        target = output / PDF_FOLDER / name
        key = json_digest([[title, keys[path]] for title, path in parts])
        old = known.get(str(target), {})
        if old.get("key") == key and target.is_file():
            records[str(target)] = old
            report.unchanged.append(_rel(target, output))
            continue
        count = merge_pdfs(parts, target)
        records[str(target)] = {"key": key, "pages": count}
        report.printed.append(_rel(target, output))

    for path_text in set(known) - set(records):
        path = Path(path_text)
        if _inside(path, output / PDF_FOLDER):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                report.removed.append(_rel(path, output))
    keys_file.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(keys_file, json.dumps(records, indent=1, sort_keys=True).encode("utf-8"))
    report.pages = {_rel(Path(p), output): r["pages"] for p, r in sorted(records.items())}
    report.printed.sort()
    report.unchanged.sort()
    report.seconds = time.perf_counter() - started
    return report


def print_built_handouts(
    output: Path,
    *,
    cache_dir: Path,
    outputs: Mapping[str, Any],
    guide_pages: Sequence[Any],
    stems: Sequence[str],
    workshop: Any,
    facts: Mapping[str, Any],
    paper: str,
    log: Log | None = None,
) -> PrintReport:
    """The build's hook: print what the manifest says was built (see :func:`print_build`).

    Parameters
    ----------
    outputs
        The build manifest's ``{path: OutputRecord}``.
    guide_pages
        The guide's own pages (:class:`~.guide.GuideHandout`).
    stems
        The workshop's notebooks.
    """
    order = {stem: n for n, stem in enumerate(agenda_order(list(stems)))}
    handouts = []
    for path_text, record in outputs.items():
        path = Path(path_text)
        if _inside(path, output) and path.is_file():
            handouts.append(
                Handout(path, record.title, record.variant, record.notebook, record.group)
            )
    handouts.sort(key=lambda h: (order.get(h.notebook, len(order)), h.notebook, h.group))
    handouts += [Handout(page.path, page.title, "guide") for page in guide_pages]
    breakouts = _breakouts(stems)
    return print_build(
        output,
        cache_dir=cache_dir,
        handouts=handouts,
        workshop_title=workshop.config.title,
        paper=paper,
        facts=facts,
        jurisdiction=workshop.config.jurisdiction,
        guide=workshop.guide_folder,
        breakouts=breakouts,
        log=log,
    )


def _breakouts(stems: Sequence[str]) -> list[tuple[str, str]]:
    """``(stem, title)`` of the agenda's breakout sessions among ``stems``."""
    try:
        from ..plenary.agenda import load_agenda

        sessions = load_agenda().sessions
    except Exception:
        return []
    return [
        (s.notebook, s.title)
        for s in sessions
        if s.kind == "breakout" and s.notebook in stems and not s.planned
    ]


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def _rel(path: Path, output: Path) -> str:
    return path.relative_to(output).as_posix()
