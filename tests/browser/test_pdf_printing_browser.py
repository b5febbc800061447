"""`datasharing-workshop build --pdf`: every handout printed by Debian's Chromium, read back
with poppler's pdftotext and pdfinfo (Debian's poppler-utils; tests/browser/setup.sh
installs it).

The build runs once, on the handouts conftest's ``handouts`` fixture built (its HTML is
reused, so only the printing runs), and every PDF is checked:

* the handout's title is on page 1, and every page says "Page N of M";
* no page holds fewer than 3 lines of text besides its header and footer (no page with
  only a heading, one table row or the end of a sentence);
* the participant packet is at most 30 US Letter pages; the cheat sheet is exactly 1 page.

Rendered pages go to test-artifacts/browser/pdf/ as PNG (pdftoppm) for a person to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from datasharing_workshop.breakouts.registry import BREAKOUTS

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
#: US Letter and A4 in PostScript points, as pdfinfo prints them.
LETTER = (612, 792)
A4 = (595, 842)
#: The page's header and footer bands (the printer's margins: 14 mm top, 12 mm bottom).
HEADER_PT = 39
FOOTER_PT = 34
MIN_LINES = 3
MAX_PACKET_PAGES = 30


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this fails instead of skipping)", pytrace=False)
    pytest.skip(reason)


def _need_tools() -> None:
    for tool in ("pdftotext", "pdfinfo", "pdftoppm"):
        if shutil.which(tool) is None:
            _unavailable(f"{tool} is missing: run tests/browser/setup.sh (poppler-utils)")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"no Chromium at {CHROMIUM}: run tests/browser/setup.sh")
    try:
        import playwright  # noqa: F401
        import pypdf  # noqa: F401
    except ImportError:
        _unavailable("Playwright or pypdf is not installed: pip install -e '.[test]'")


@dataclass(frozen=True)
class Printed:
    root: Path
    stdout: str

    @property
    def pdf(self) -> Path:
        return self.root / "pdf"


@pytest.fixture(scope="module")
def printed(handouts) -> Printed:
    """``build --pdf`` on the conftest's build: same config, output and cache."""
    _need_tools()
    config = handouts.root.parent / "workshop.yml"
    home = handouts.root.parent
    env = dict(os.environ)
    for name, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data")):
        env[name] = str(home / sub)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "datasharing_workshop",
            "build",
            "--config",
            str(config),
            "--output",
            str(handouts.root),
            "--pdf",
            "--quiet",
        ],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"build --pdf failed (exit {done.returncode}):\n{done.stdout}\n{done.stderr}",
            pytrace=False,
        )
    return Printed(handouts.root, done.stdout)


def pdfinfo(path: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return dict(
        (k.strip(), v.strip()) for k, v in (line.split(":", 1) for line in out.stdout.splitlines())
    )


def pages_of(path: Path) -> int:
    return int(pdfinfo(path)["Pages"])


def page_size(path: Path) -> tuple[int, int]:
    match = re.match(r"([\d.]+) x ([\d.]+) pts", pdfinfo(path)["Page size"])
    assert match, pdfinfo(path)["Page size"]
    return round(float(match[1])), round(float(match[2]))


def page_text(path: Path, page: int, *, band: str = "body") -> str:
    """The text of one page: its body (without header and footer), or one of those bands."""
    width, height = page_size(path)
    y, h = {
        "body": (HEADER_PT, height - HEADER_PT - FOOTER_PT),
        "header": (0, HEADER_PT),
        "footer": (height - FOOTER_PT, FOOTER_PT),
    }[band]
    args = ["pdftotext", "-r", "72", "-f", str(page), "-l", str(page)]
    args += ["-x", "0", "-y", str(y), "-W", str(width), "-H", str(h), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


def words(text: str) -> str:
    return " ".join(text.split())


def html_title(path: Path) -> str:
    """The handout's own title: the first part of its HTML <title>."""
    match = re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8"), re.S)
    assert match, path
    import html

    return html.unescape(match[1]).split(" – ")[0].strip()


def handout_pdfs(printed: Printed) -> list[tuple[Path, Path]]:
    """``(html, pdf)`` for every handout and sheet (the packet included)."""
    pairs = []
    for html_path in sorted(printed.root.rglob("*.html")):
        relative = html_path.relative_to(printed.root)
        if relative.parts[0] in ("participant", "facilitator", "groups"):
            pairs.append((html_path, printed.pdf / relative.with_suffix(".pdf")))
        elif relative.parts[0] == "sheets":
            name = html_path.stem
            if name.startswith("observer-"):
                target = printed.pdf / "observer" / f"{name.removeprefix('observer-')}.pdf"
            elif name == "participant-packet":
                target = printed.pdf / "participant-packet.pdf"
            else:
                target = printed.pdf / f"{name}.pdf"
            pairs.append((html_path, target))
    return pairs


def test_every_handout_is_printed_on_letter_with_title_and_page_numbers(printed):
    pairs = handout_pdfs(printed)
    variants = {h.relative_to(printed.root).parts[0] for h, _ in pairs}
    assert {"participant", "facilitator", "groups", "sheets"} <= variants
    problems = []
    for html_path, pdf_path in pairs:
        name = pdf_path.relative_to(printed.root).as_posix()
        if not pdf_path.is_file():
            problems.append(f"{name}: not printed")
            continue
        if page_size(pdf_path) != LETTER:
            problems.append(f"{name}: page size {page_size(pdf_path)}, expected US Letter")
        title = html_title(html_path)
        if words(title) not in words(page_text(pdf_path, 1)):
            problems.append(f"{name}: title {title!r} is not on page 1")
        total = pages_of(pdf_path)
        for page in range(1, total + 1):
            footer = words(page_text(pdf_path, page, band="footer"))
            if f"Page {page} of {total}" not in footer:
                problems.append(f"{name} p{page}: footer {footer!r} lacks 'Page {page} of {total}'")
            header = words(page_text(pdf_path, page, band="header"))
            if "Example workshop" not in header:
                problems.append(f"{name} p{page}: header {header!r} lacks the workshop title")
    assert not problems, "\n".join(problems)


def test_no_page_holds_fewer_than_three_lines(printed):
    problems = []
    for _html, pdf_path in handout_pdfs(printed):
        for page in range(1, pages_of(pdf_path) + 1):
            found = lines(page_text(pdf_path, page))
            if len(found) < MIN_LINES:
                problems.append(
                    f"{pdf_path.relative_to(printed.root)} page {page}: {len(found)} line(s): "
                    f"{found}"
                )
    assert not problems, "\n".join(problems)


def test_participant_packet_is_short_in_agenda_order_and_has_no_answer_key(printed):
    packet = printed.pdf / "participant-packet.pdf"
    assert page_size(packet) == LETTER
    total = pages_of(packet)
    assert total <= MAX_PACKET_PAGES, f"the participant packet has {total} pages"
    singles = sorted((printed.root / "participant").glob("*.html"))
    # One document, each handout running on after the one before: never longer than the
    # handouts printed one by one.
    assert total <= sum(pages_of(printed.pdf / "participant" / f"{h.stem}.pdf") for h in singles)
    text = subprocess.run(
        ["pdftotext", str(packet), "-"], capture_output=True, text=True, check=True
    ).stdout
    # One top-level bookmark (its title heading) per handout, in the agenda's order (the
    # notebooks are numbered in it).
    import pypdf

    reader = pypdf.PdfReader(str(packet))
    marks = [m.title for m in reader.outline if not isinstance(m, list)]
    assert marks == [html_title(h) for h in singles]
    assert "Answer key" not in text and "Facilitator only" not in text
    assert f"participant packet {total} pages" in printed.stdout


def test_cheat_sheet_is_one_page_citing_playbook_sections(printed):
    sheet = printed.pdf / "cheat-sheet.pdf"
    assert pages_of(sheet) == 1
    text = words(page_text(sheet, 1))
    from datasharing_workshop.content.catalogue import load_catalogue

    ct = load_catalogue("ct")
    for category in ct.categories.values():
        assert words(category.name) in text
    for agreement in ct.agreements.values():
        assert words(agreement.abbreviation) in text
    assert "Playbook sections" in text and "[1]" in text


def test_binder_and_observer_sheets(printed):
    binder = printed.pdf / "facilitator-binder.pdf"
    text = subprocess.run(
        ["pdftotext", str(binder), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Answer key" in text
    observers = sorted((printed.pdf / "observer").glob("*.pdf"))
    # One sheet per breakout in the day: as many as the registry holds.
    assert len(observers) == len(BREAKOUTS), observers
    sheet = subprocess.run(
        ["pdftotext", str(observers[0]), "-"], capture_output=True, text=True, check=True
    ).stdout
    # The list of playbook sections is printed open, not folded away in a <details>.
    assert "Safeguarding Data" in sheet and "Prompts" in sheet


def test_breakout_5_prints_a_worksheet_for_participants(printed):
    pdf_path = printed.pdf / "participant" / "07_deidentify_and_aggregate.pdf"
    text = subprocess.run(
        ["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Worksheet: tick one box per field" in text
    assert "Which counts would be small enough to hide" in text
    assert "Counts by" not in text, "the live table of counts is printed"
    assert pages_of(pdf_path) <= 5


def test_a_rebuild_prints_nothing_again(printed):
    config = printed.root.parent / "workshop.yml"
    done = subprocess.run(
        [
            *(sys.executable, "-m", "datasharing_workshop", "build", "--config", str(config)),
            *("--output", str(printed.root), "--pdf", "--quiet"),
        ],
        cwd=printed.root.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "PDFs (letter): 0 printed" in done.stdout


def test_a4_on_request(tmp_path):
    _need_tools()
    from datasharing_workshop.handouts.pdf import PrintJob, print_pdfs

    page = tmp_path / "page.html"
    page.write_text(
        "<!DOCTYPE html><html lang='en'><title>t</title><h1>A4 sheet</h1>"
        + "".join(f"<p>Line {n}</p>" for n in range(5)),
        encoding="utf-8",
    )
    target = tmp_path / "page.pdf"
    pages = print_pdfs([PrintJob(page, target, "A4 sheet")], paper="a4", workshop_title="W")
    assert pages == {target: 1}
    width, height = page_size(target)
    assert abs(width - A4[0]) <= 1 and abs(height - A4[1]) <= 1, (width, height)


def test_look_at_the_pages(printed, artifact_path):
    """Not a check: PNGs of the packet's and the sheets' pages for a person to look at."""
    for pdf_path in (
        printed.pdf / "participant-packet.pdf",
        printed.pdf / "cheat-sheet.pdf",
        *sorted((printed.pdf / "observer").glob("*.pdf"))[:1],
    ):
        prefix = artifact_path("pdf", pdf_path.stem)
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf_path), str(prefix)], check=True)
        assert list(prefix.parent.glob(f"{pdf_path.stem}*.png"))
