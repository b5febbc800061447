"""`build --pdf` without a browser: options, refusals, the sheets' content, merging PDFs.

Printing itself, with Debian's Chromium and poppler's pdftotext/pdfinfo, is tested in
tests/browser/test_pdf_printing_browser.py.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from helpers.notebooks import WRAP_UP

from datasharing_workshop.cli import main
from datasharing_workshop.errors import InputError
from datasharing_workshop.handouts import pdf
from datasharing_workshop.handouts.printing import Handout, agenda_order, write_packet
from datasharing_workshop.handouts.sheets import cheat_sheet, observer_sheet

REPO = Path(__file__).resolve().parents[1]
FACTS = {
    "workshop_title": "Spring <workshop> & friends",
    "date_iso": "2025-03-14",
    "date_text": "March 14, 2025",
    "host_agency": "Office of Policy and Management",
    "facilitators": ["Alex Example"],
    "version": "0",
}


def test_paper_is_letter_by_default_and_a4_on_request():
    assert pdf.DEFAULT_PAPER == "letter"
    assert pdf.paper_format("letter") == "Letter"
    assert pdf.paper_format("A4") == "A4"
    with pytest.raises(InputError, match=r"--paper: expected one of letter, a4, got 'b5'"):
        pdf.paper_format("b5")


def test_cli_refuses_an_unknown_paper_size_with_exit_2(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["build", "--pdf", "--paper", "b5"])
    assert stop.value.code == 2
    assert "invalid choice: 'b5'" in capsys.readouterr().err


def test_header_names_the_workshop_and_the_document_escaped_and_footer_numbers_pages():
    header = pdf.header_template("Spring <workshop> & friends", "Breakout 1")
    assert "Spring &lt;workshop&gt; &amp; friends" in header
    assert "Breakout 1" in header
    footer = pdf.footer_template()
    assert '<span class="pageNumber"></span>' in footer
    assert '<span class="totalPages"></span>' in footer


def test_missing_chromium_is_refused_with_what_to_install(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-chromium"))
    with pytest.raises(InputError) as error:
        pdf.check_ready()
    message = str(error.value)
    assert "no-chromium" in message
    assert "apt-get install chromium" in message
    # The command refuses before building anything, with exit status 2 and no traceback.
    status = main(["build", "--pdf", "--output", str(tmp_path / "out")])
    assert status == 2
    err = capsys.readouterr().err
    assert "apt-get install chromium" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_cheat_sheet_lists_every_category_channel_and_agreement_with_its_section(ct):
    sheet = cheat_sheet(ct, FACTS)
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(sheet.html, "html.parser")
    text = soup.get_text(" ", strip=True)
    for category in ct.categories.values():
        assert category.name in text
    for channel in ct.channels.values():
        assert channel.short in text
    for agreement in ct.agreements.values():
        assert agreement.abbreviation in text
    # Every row cites a numbered section, and every number is explained at the bottom.
    legend = [li.get_text() for li in soup.select("ol.dsw-sources li")]
    rows = soup.select("table.dsw-cheat-table tbody tr")
    assert len(rows) == len(ct.categories) + len(ct.channels) + len(ct.agreements)
    for row in rows:
        cite = row.select_one(".dsw-cite").get_text()
        number = int(cite.strip("[]"))
        assert 1 <= number <= len(legend)
    titles = {s.title for s in ct.jurisdiction.sections}
    for item in legend:
        assert item.split("] ", 1)[1] in titles
    # Workshop facts are escaped, and nothing is fetched from outside.
    assert "Spring &lt;workshop&gt; &amp; friends" in sheet.html
    assert "<script" not in sheet.html
    assert 'src="http' not in sheet.html and "<link" not in sheet.html


def test_observer_sheet_has_the_prompts_and_the_sections_open():
    guide = REPO / "facilitator_guide"
    sheet = observer_sheet(
        stem="03_classify_data",
        title="Breakout 1: What kind of data is this?",
        guide=guide,
        facts=FACTS,
        jurisdiction="ct",
    )
    assert sheet.name == "observer-03_classify_data"
    assert "Go column by column" in sheet.html  # a prompt from the guide page
    assert "What observers listen for" in sheet.html
    assert "<details open>" in sheet.html and "<details>" not in sheet.html
    from datasharing_workshop.content.catalogue import load_catalogue

    for section in load_catalogue("ct").jurisdiction.sections:
        assert section.title.replace("&", "&amp;") in sheet.html or section.title in sheet.html


def test_printed_observation_form_shows_the_sections_open():
    from datasharing_workshop.plenary.observations import printable_form

    assert "<details open>" in printable_form("ct")


def test_agenda_order_follows_the_agenda_and_keeps_unknown_notebooks_last():
    stems = [WRAP_UP, "zz_extra", "01_welcome_and_agenda", "03_classify_data"]
    assert agenda_order(stems) == ["01_welcome_and_agenda", "03_classify_data", WRAP_UP, "zz_extra"]


def _blank_pdf(path: Path, pages: int) -> Path:
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def test_merge_puts_parts_in_order_with_one_bookmark_each(tmp_path):
    import pypdf

    a = _blank_pdf(tmp_path / "a.pdf", 2)
    b = _blank_pdf(tmp_path / "b.pdf", 3)
    target = tmp_path / "out" / "packet.pdf"
    assert pdf.merge_pdfs([("First", a), ("Second", b)], target) == 5
    reader = pypdf.PdfReader(str(target))
    assert len(reader.pages) == 5
    marks = [(m.title, reader.get_destination_page_number(m)) for m in reader.outline]
    assert marks == [("First", 0), ("Second", 2)]
    assert not list(target.parent.glob(".*")), "no temporary file left behind"


def test_packet_runs_the_participant_handouts_on_in_order(tmp_path):
    parts = []
    for n, title in enumerate(("Welcome", "Breakout 1"), 1):
        path = tmp_path / "participant" / f"0{n}.html"
        path.parent.mkdir(exist_ok=True)
        path.write_text(
            f"<!DOCTYPE html><html><head><title>{title} – Participant handout – W</title>"
            "<style>p{}</style></head><body class='dsw-participant'>"
            "<header class='dsw-masthead'><p class='dsw-variant'>Participant handout</p></header>"
            f"<nav class='dsw-toc'>contents</nav><main><h1>{title}</h1><p>Text {n}</p></main>"
            "</body></html>",
            encoding="utf-8",
        )
        parts.append(Handout(path, title, "participant", f"0{n}"))
    packet = write_packet(tmp_path, parts)
    html = packet.path.read_text(encoding="utf-8")
    assert packet.path == tmp_path / "sheets" / "participant-packet.html"
    assert html.count("dsw-packet-part") == 2
    assert html.index("<h1>Welcome</h1>") < html.index("<h1>Breakout 1</h1>")
    assert "contents" not in html, "the table of contents is left out"
    assert "<title>Participant packet – Participant handout – W</title>" in html
    assert '<p class="dsw-variant">Participant packet</p>' in html
    assert write_packet(tmp_path, []) is None
