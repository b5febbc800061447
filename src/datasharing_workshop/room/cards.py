"""Printable table cards: one US Letter page per group with its link, the join code and a
QR code of the link (made offline by segno), so a table can join without typing."""

from __future__ import annotations

from urllib.parse import quote

from ..plenary.display import escape
from .settings import RoomSettings

_STYLE = """
@page { size: letter portrait; margin: 0.6in; }
body { font-family: system-ui, sans-serif; margin: 0; }
.card { page-break-after: always; break-after: page; text-align: center; padding-top: 0.4in; }
.card:last-child { page-break-after: auto; break-after: auto; }
.card h1 { font-size: 40pt; margin: 0 0 0.1in; }
.card .workshop { font-size: 16pt; margin-bottom: 0.3in; }
.card svg { width: 3.2in; height: 3.2in; }
.card .code { font-size: 30pt; font-family: ui-monospace, monospace; letter-spacing: 0.08em; }
.card .link { font-size: 13pt; word-break: break-all; font-family: ui-monospace, monospace; }
.card ol { text-align: left; font-size: 15pt; max-width: 6in; margin: 0.3in auto; }
"""


def group_link(address: str, slug: str, code: str) -> str:
    """The link on a card: the group's page, carrying the participant code as the token."""
    return f"{address.rstrip('/')}/room/group/{quote(slug)}?token={quote(code)}"


def qr_svg(text: str) -> str:
    """An inline SVG QR code of ``text`` (error correction M: readable from a table)."""
    import segno

    return segno.make(text, error="m").svg_inline(scale=4, border=2, title=None)


def cards_html(room: RoomSettings, address: str) -> str:
    """The whole printable page of cards (one per group, in workshop.yml's order)."""
    cards = []
    join = f"{address.rstrip('/')}/login"
    for group in room.groups:
        link = group_link(address, group.slug, room.participant_code)
        cards.append(
            f'<section class="card"><h1>{escape(group.name)}</h1>'
            f'<p class="workshop">{escape(room.title)} · {escape(room.date)}</p>'
            '<div class="qr" role="img" aria-label="QR code of the link below">'
            f"{qr_svg(link)}</div>"
            f'<p class="link">{escape(link)}</p>'
            f'<p>Join code: <span class="code">{escape(room.participant_code)}</span></p>'
            "<ol><li>Point your phone's camera at the square, or type the link above into "
            "the browser on your laptop.</li>"
            f"<li>If the browser asks for a code, go to {escape(join)} and type the join "
            "code.</li>"
            f"<li>Choose <strong>{escape(group.name)}</strong>, then open the page the "
            "facilitator names.</li></ol></section>"
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Table cards: {escape(room.title)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(cards)}</body></html>"
    )
