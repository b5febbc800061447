"""Print offline HTML handouts to PDF with Debian's Chromium, and merge PDFs.

Printing uses Playwright for Python driving the Chromium the machine already has
(``/usr/bin/chromium`` from Debian's ``chromium`` package, or ``$CHROMIUM``), by its path:
Playwright's own browser download (``playwright install``) is never used. Playwright and
pypdf come with the kit's ``pdf`` extra (``pip install 'datasharing-workshop[pdf]'``);
without them ``build --pdf`` stops with a message saying so, and the HTML build is
unaffected.

Every page gets the workshop's title and the document's title in its header and
"Page N of M" in its footer (Chromium's header and footer templates); paper is US Letter
unless A4 is asked for.
"""

from __future__ import annotations

import html
import os
import re
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BuildError, InputError
from .cache import atomic_write_bytes

#: Paper sizes ``--paper`` accepts, and Playwright's names for them.
PAPER_SIZES = {"letter": "Letter", "a4": "A4"}
DEFAULT_PAPER = "letter"

#: How Chromium is started (the same flags as the browser tests). Without the
#: background-networking flags it tries to reach Google's servers at every start, which a
#: closed network refuses; without --no-sandbox it refuses to run as root.
CHROMIUM_ARGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)

#: Page margins. The header and footer are drawn inside the top and bottom margins.
MARGINS = {"top": "14mm", "bottom": "12mm", "left": "12mm", "right": "12mm"}

#: A last page with fewer lines than this is a runt: the handout is printed again smaller.
MIN_LAST_PAGE_LINES = 4
#: Scales tried in turn to pull a runt last page back (1 = as designed).
SHRINK_STEPS = (1.0, 0.96, 0.92)

#: Longest wait for one page to load or print (milliseconds): a bound, not a target.
PAGE_TIMEOUT_MS = 120_000

INSTALL_HINT = "pip install 'datasharing-workshop[pdf]'"


def chromium_path() -> Path:
    """Where Chromium is: ``$CHROMIUM``, else Debian's ``/usr/bin/chromium``.

    Raises
    ------
    InputError
        No Chromium there (exit status 2), with what to install.
    """
    configured = os.environ.get("CHROMIUM")
    candidates = [Path(configured)] if configured else [Path("/usr/bin/chromium")]
    if not configured:
        found = shutil.which("chromium")
        if found:
            candidates.append(Path(found))
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path
    where = f"$CHROMIUM ({configured})" if configured else "/usr/bin/chromium"
    raise InputError(
        f"build --pdf needs Chromium and found none at {where}: install Debian's chromium "
        "package (sudo apt-get install chromium) or set CHROMIUM to a Chromium or Chrome "
        "executable; the HTML handouts do not need it"
    )


def paper_format(paper: str) -> str:
    """Playwright's name for ``letter`` or ``a4``.

    Raises
    ------
    InputError
        Any other paper size.
    """
    try:
        return PAPER_SIZES[paper.lower()]
    except KeyError:
        raise InputError(
            f"--paper: expected one of {', '.join(PAPER_SIZES)}, got {paper!r}"
        ) from None


def header_template(workshop_title: str, document_title: str) -> str:
    """Chromium's header: the workshop's title left, the document's title right."""
    style = (
        "font-family: system-ui, Arial, sans-serif; font-size: 8pt; color: #444; "
        "width: 100%; margin: 0 12mm; display: flex; justify-content: space-between; gap: 6mm;"
    )
    return (
        f'<div style="{style}"><span>{html.escape(workshop_title)}</span>'
        f'<span style="text-align: right">{html.escape(document_title)}</span></div>'
    )


def footer_template() -> str:
    """Chromium's footer: "Page N of M", centred."""
    style = (
        "font-family: system-ui, Arial, sans-serif; font-size: 8pt; color: #444; "
        "width: 100%; margin: 0 12mm; text-align: center;"
    )
    return (
        f'<div style="{style}">Page <span class="pageNumber"></span> of '
        '<span class="totalPages"></span></div>'
    )


@dataclass(frozen=True)
class PrintJob:
    """One HTML file to print: where it is, where its PDF goes, what its pages say."""

    html: Path
    pdf: Path
    title: str


class Printer:
    """One Chromium, kept open while a build prints all its PDFs."""

    def __init__(self, browser: Any, *, paper: str, workshop_title: str):
        self._browser = browser
        self._format = paper_format(paper)
        self._workshop_title = workshop_title
        self._page = browser.new_page()
        self._page.set_default_timeout(PAGE_TIMEOUT_MS)

    def print(self, job: PrintJob) -> int:
        """Print one handout; return its number of pages.

        When the last page would hold fewer than :data:`MIN_LAST_PAGE_LINES` lines (the end
        of a sentence and the "built from" line), the handout is printed again a little
        smaller (:data:`SHRINK_STEPS`), as a typesetter would tighten a page; the first
        print without such a runt page is kept, else the one with the fewest pages.

        The PDF is written aside and moved into place, so a failure never leaves half a
        file where the last good one was.
        """
        page = self._page
        # The handouts load nothing from outside; "load" waits for their inline images.
        page.goto(job.html.absolute().as_uri(), wait_until="load")
        page.emulate_media(media="print")
        best: tuple[int, bytes] | None = None
        for scale in SHRINK_STEPS:
            data = page.pdf(
                format=self._format,
                print_background=True,
                display_header_footer=True,
                header_template=header_template(self._workshop_title, job.title),
                footer_template=footer_template(),
                margin=MARGINS,
                scale=scale,
                outline=True,
                tagged=True,
            )
            pages, last_lines = _last_page_lines(data, self._workshop_title, job.title)
            if best is None or pages < best[0]:
                best = (pages, data)
            if pages == 1 or last_lines >= MIN_LAST_PAGE_LINES:
                best = (pages, data)
                break
        assert best is not None
        write_atomic(job.pdf, best[1])
        return best[0]


def _last_page_lines(data: bytes, workshop_title: str, title: str) -> tuple[int, int]:
    """Pages of a printed PDF, and lines of text on its last page besides header/footer."""
    import io

    reader = _pypdf().PdfReader(io.BytesIO(data))
    text = reader.pages[-1].extract_text() or ""
    chrome = {" ".join(workshop_title.split()), " ".join(title.split())}
    lines = []
    for line in text.splitlines():
        words = " ".join(line.split())
        if not words or words in chrome or re.fullmatch(r"Page \d+ of \d+", words):
            continue
        if words.startswith(" ".join(workshop_title.split())) and words.endswith(
            " ".join(title.split())
        ):
            continue  # header printed as one line
        lines.append(words)
    return len(reader.pages), len(lines)


def check_ready() -> None:
    """Refuse early when printing cannot work: no Playwright, no pypdf or no Chromium.

    Raises
    ------
    InputError
        What is missing and how to install it (exit status 2).
    """
    import importlib.util

    missing = [name for name in ("playwright", "pypdf") if importlib.util.find_spec(name) is None]
    if missing:
        raise InputError(
            f"build --pdf needs {' and '.join(missing)}, which the kit's pdf extra installs: "
            f"{INSTALL_HINT} (Playwright drives the Chromium already installed and never "
            "downloads one)"
        )
    chromium_path()


@contextmanager
def open_printer(*, paper: str, workshop_title: str) -> Iterator[Printer]:
    """Start Playwright and Chromium; close both afterwards, whatever happens.

    Raises
    ------
    InputError
        Playwright is not installed, or there is no Chromium (exit status 2).
    BuildError
        Chromium would not start.
    """
    paper_format(paper)  # a bad paper size is refused before anything starts
    executable = chromium_path()
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise InputError(
            "build --pdf needs Playwright for Python, which drives Chromium: "
            f"{INSTALL_HINT} (it uses the Chromium already installed and never downloads one)"
        ) from None
    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable), args=list(CHROMIUM_ARGS), headless=True
            )
        except PlaywrightError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
            raise BuildError(f"Chromium at {executable} would not start: {first}") from None
        try:
            yield Printer(browser, paper=paper, workshop_title=workshop_title)
        finally:
            browser.close()


def print_pdfs(
    jobs: Sequence[PrintJob], *, paper: str = DEFAULT_PAPER, workshop_title: str
) -> dict[Path, int]:
    """Print each job's HTML to its PDF; return ``{pdf: pages}``."""
    pages: dict[Path, int] = {}
    if not jobs:
        return pages
    with open_printer(paper=paper, workshop_title=workshop_title) as printer:
        for job in jobs:
            pages[job.pdf] = printer.print(job)
    return pages


def _pypdf() -> Any:
    try:
        import pypdf
    except ImportError:
        raise InputError(f"build --pdf needs pypdf to put PDFs together: {INSTALL_HINT}") from None
    return pypdf


def count_pages(pdf: Path) -> int:
    """Number of pages of a PDF."""
    return len(_pypdf().PdfReader(str(pdf)).pages)


def merge_pdfs(parts: Sequence[tuple[str, Path]], target: Path) -> int:
    """Put PDFs one after the other into ``target``, one bookmark per part.

    Parameters
    ----------
    parts
        ``(bookmark title, pdf)`` in order.

    Returns
    -------
    int
        Pages in ``target``.
    """
    import io

    pypdf = _pypdf()
    writer = pypdf.PdfWriter()
    for title, path in parts:
        start = len(writer.pages)
        writer.append(str(path), import_outline=False)
        writer.add_outline_item(title=title, page_number=start)
    writer.page_mode = "/UseOutlines"
    buffer = io.BytesIO()
    writer.write(buffer)
    write_atomic(target, buffer.getvalue())
    return len(writer.pages)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, data)
