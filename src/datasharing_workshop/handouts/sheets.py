"""Printed sheets that are not notebook handouts: the cheat sheet and observers' sheets.

* The **cheat sheet** is one page of the catalogue's facts a participant reaches for most:
  the kinds of data, the channels and the agreements. Everything on it comes from the
  catalogue YAML, and every row names the playbook section it comes from (a number in
  brackets, with the list of sections at the bottom); a fact the catalogue marks as the
  kit's own (``basis: kit``) says so.
* An **observer's clipboard sheet** per breakout: the prompts and what to listen for from
  the breakout's guide page, and the paper observation form with the whole list of playbook
  sections printed open, so an observer can write the section down without a screen.

Each is a self-contained HTML page (the handouts' CSS inlined, nothing loaded from
outside); ``build --pdf`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..plenary.display import escape
from . import TEMPLATE_DIR

#: Guide page sections (``## ...`` headings, by their GitHub-style id) an observer's sheet
#: prints, in this order.
OBSERVER_GUIDE_SECTIONS = ("prompts", "what-observers-listen-for", "playbook-sections")


@dataclass(frozen=True)
class Sheet:
    """One printable sheet: its file name (without extension), title and HTML."""

    name: str
    title: str
    html: str


def render_sheet(
    *, title: str, body: str, facts: Mapping[str, Any], kind: str, css: str | None = None
) -> str:
    """A whole HTML page around ``body`` (already escaped HTML)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        keep_trailing_newline=True,
    )
    if css is None:
        css = (TEMPLATE_DIR / "static" / "handout.css").read_text(encoding="utf-8")
    return env.get_template("sheet.html.j2").render(
        title=title, body=body, facts=facts, kind=kind, css=css
    )


# ------------------------------------------------------------------------------ cheat sheet


class _Citations:
    """Numbers for playbook sections, in order of first use."""

    def __init__(self, catalogue: Any):
        self.catalogue = catalogue
        self.order: list[str] = []

    def cite(self, entry: Any) -> str:
        section = entry.source
        if section not in self.order:
            self.order.append(section)
        number = self.order.index(section) + 1
        mark = f'<span class="dsw-cite">[{number}]</span>'
        if getattr(entry, "basis", "playbook") == "kit":
            mark += ' <span class="dsw-kit">kit’s rule of thumb</span>'
        return mark

    def legend(self) -> str:
        items = []
        for n, section_id in enumerate(self.order, 1):
            section = self.catalogue.sections.get(section_id)
            title = section.title if section else section_id
            items.append(f"<li>[{n}] {escape(title)}</li>")
        return '<ol class="dsw-sources">' + "".join(items) + "</ol>"


def _limits_text(catalogue: Any, channel: Any) -> str:
    parts = []
    for limit in channel.limits:
        text = limit.max_size.text
        if limit.recipients:
            to = ", ".join(catalogue.recipients[r].label for r in limit.recipients)
            text = f"{text} ({to})"
        parts.append(text)
    if channel.notify_it_over is not None:
        parts.append(f"tell IT over {channel.notify_it_over.text}")
    return "; ".join(parts)


def cheat_sheet(catalogue: Any, facts: Mapping[str, Any]) -> Sheet:
    """Categories, channels and agreements on one page, each row citing its section."""
    cite = _Citations(catalogue)
    levels = {lv.id: lv for lv in catalogue.levels}

    rows = []
    for c in catalogue.categories.values():
        level = levels[c.level].label
        if c.combination is not None:
            counts_as = catalogue.categories[c.combination.counts_as].short
            level = f"{level} alone; {counts_as} together"
        rows.append(
            f"<tr><th scope='row'>{escape(c.name)}</th><td>{escape(c.definition)}</td>"
            f"<td>{escape(level)}</td><td>{cite.cite(c)}</td></tr>"
        )
    categories = (
        '<table class="dsw-cheat-table"><caption>Kinds of data: a dataset is as sensitive as '
        "its most sensitive field</caption><thead><tr><th scope='col'>Kind</th>"
        "<th scope='col'>What it is</th><th scope='col'>Sensitivity</th>"
        "<th scope='col'>Source</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )

    rows = []
    channels = sorted(catalogue.channels.values(), key=lambda ch: (ch.secure, ch.preference))
    for ch in channels:
        carries = "any data, regulated included" if ch.secure else "public data only"
        if ch.secure and ch.max_level != catalogue.levels[-1].id:
            carries = f"up to {levels[ch.max_level].label}"
        to = ", ".join(catalogue.recipients[r].label for r in ch.recipients)
        rows.append(
            f"<tr><th scope='row'>{escape(ch.short)}</th><td>{escape(carries)}</td>"
            f"<td>{escape(to)}</td><td>{escape(_limits_text(catalogue, ch))}</td>"
            f"<td>{cite.cite(ch)}</td></tr>"
        )
    channel_table = (
        '<table class="dsw-cheat-table"><caption>Channels: how data may travel</caption>'
        "<thead><tr><th scope='col'>Channel</th><th scope='col'>May carry</th>"
        "<th scope='col'>To</th><th scope='col'>Size limit</th><th scope='col'>Source</th>"
        "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )

    rows = []
    for a in catalogue.agreements.values():
        rows.append(
            f"<tr><th scope='row'>{escape(a.abbreviation)}</th><td><strong>{escape(a.name)}"
            f"</strong>: {escape(a.summary)}</td><td>{cite.cite(a)}</td></tr>"
        )
    agreements = (
        '<table class="dsw-cheat-table"><caption>Agreements: legal counsel makes the final '
        "call</caption><thead><tr><th scope='col'>Agreement</th><th scope='col'>What it "
        "covers</th><th scope='col'>Source</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )

    playbook = catalogue.jurisdiction.playbook
    where = f"{playbook.title}, {playbook.version}" if playbook else "the playbook"
    body = (
        f'<p class="dsw-sheet-lede">Numbers in brackets name the section of the {escape(where)} '
        "each row comes from.</p>"
        + categories
        + channel_table
        + agreements
        + '<section class="dsw-sheet-sources" aria-label="Playbook sections">'
        + "<p><strong>Playbook sections</strong></p>"
        + cite.legend()
        + "</section>"
    )
    title = "Cheat sheet: kinds of data, channels and agreements"
    return Sheet(
        "cheat-sheet",
        title,
        render_sheet(title=title, body=body, facts=facts, kind="dsw-cheat-sheet"),
    )


# ------------------------------------------------------------------------------ observers


def _guide_sections(guide: Path, stem: str, wanted: Sequence[str]) -> str:
    """The ``## ...`` sections of a guide page with these ids, as HTML (h2 become h2)."""
    from bs4 import BeautifulSoup

    from ..content.guide import render_page_html

    try:
        page_html = render_page_html(stem, root=guide, with_header=False, link=lambda _t: None)
    except Exception:  # a missing page: the sheet keeps the form and the sections
        return ""
    soup = BeautifulSoup(page_html, features="html.parser")
    article = soup.find("article") or soup
    parts = []
    for ident in wanted:
        heading = article.find("h2", id=ident)
        if heading is None:
            continue
        chunk = [str(heading)]
        for sibling in heading.find_next_siblings():
            if sibling.name in ("h1", "h2"):
                break
            chunk.append(str(sibling))
        parts.append('<section class="dsw-sheet-part">' + "".join(chunk) + "</section>")
    return "".join(parts)


def observer_sheet(
    *,
    stem: str,
    title: str,
    guide: Path,
    facts: Mapping[str, Any],
    jurisdiction: str,
) -> Sheet:
    """An observer's clipboard sheet for one breakout."""
    from ..plenary.observations import printable_form

    guide_html = _guide_sections(guide, stem, OBSERVER_GUIDE_SECTIONS)
    form = printable_form(jurisdiction).replace("<details>", "<details open>")
    body = (
        '<p class="dsw-sheet-lede"><strong>Group:</strong> ____________________ '
        "<strong>Observer:</strong> ____________________</p>"
        "<p>Get the group started, then listen. Write what you hear, not who said it; one "
        "form per finding.</p>"
        + guide_html
        + '<section class="dsw-sheet-part dsw-sheet-form">'
        + form
        + "</section>"
    )
    sheet_title = f"Observer’s sheet: {title}"
    return Sheet(
        f"observer-{stem}",
        sheet_title,
        render_sheet(title=sheet_title, body=body, facts=facts, kind="dsw-observer-sheet"),
    )
