"""Finish a handout's HTML in one pass over the exporter's output, without parsing it twice.

The template already lays the page out; what needs the whole rendered page is done here
while scanning its tags once with regular expressions (text between tags is copied as it
is, ``<script>``, ``<style>`` and comments are skipped over as single tokens):

* the "¶" anchor links go (screen readers read them on every heading); headings keep their
  ids, and headings inside HTML outputs (an exercise's scenario title) get one;
* the table of contents (``nav#dsw-toc``) lists the h1-h3 headings of ``<main>``, or goes
  when there are fewer than two;
* in print, each h1 after the first starts a page, and so does each h2 that does not
  directly follow an h1;
* table header cells get ``scope``: ``col`` in a ``<thead>``, ``row`` when a header cell
  starts a row that has data cells;
* images without ``alt`` get nbconvert's placeholder text;
* everything the browser would fetch by itself (script, stylesheet, image, frame, CSS
  ``url()`` or ``@import``) is listed, so the build can refuse a page that needs internet.

Only the standard library.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

from .offline import RESOURCE_ATTRIBUTES, css_references, is_inline

#: nbconvert's text for an image with no description (its HTML exporter adds it too).
NO_ALT = "No description has been provided for this image"

_TOKEN = re.compile(
    r"<!--.*?-->"
    r"|<(?P<raw>script|style|textarea|title)\b(?P<rawattrs>[^>]*)>(?P<rawbody>.*?)</(?P=raw)\s*>"
    r"|<(?P<end>/)?(?P<name>[A-Za-z][A-Za-z0-9:-]*)(?P<attrs>(?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S | re.I,
)
_ATTR = re.compile(
    r"""([^\s/>"'=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?""",
)
#: nbconvert's "¶" link, as ElementTree writes it (ASCII, so the pilcrow is a reference).
_ANCHOR_LINK = re.compile(r'<a class="anchor-link" href="[^"]*">(?:\u00b6|&#182;|&para;)</a>')
_TAGS = re.compile(r"<[^>]*>")


def _attributes(text: str) -> list[tuple[str, str | None]]:
    out: list[tuple[str, str | None]] = []
    for match in _ATTR.finditer(text.rstrip("/")):
        name = match.group(1).lower()
        if name == "/":
            continue
        value = next((g for g in match.groups()[1:] if g is not None), None)
        out.append((name, None if value is None else html_lib.unescape(value)))
    return out


def _start_tag(name: str, attrs: list[tuple[str, str | None]]) -> str:
    parts = [name]
    for key, value in attrs:
        parts.append(key if value is None else f'{key}="{html_lib.escape(value, quote=True)}"')
    return "<" + " ".join(parts) + ">"


def _get(attrs: list[tuple[str, str | None]], key: str) -> str | None:
    for name, value in attrs:
        if name == key:
            return value if value is not None else ""
    return None


def _set(attrs: list[tuple[str, str | None]], key: str, value: str) -> None:
    for index, (name, _old) in enumerate(attrs):
        if name == key:
            attrs[index] = (key, value)
            return
    attrs.append((key, value))


@dataclass
class _Heading:
    level: int
    index: int  # of its start tag in the pieces
    attrs: list[tuple[str, str | None]]
    text: list[str] = field(default_factory=list)


@dataclass
class _Cell:
    kind: str  # "th" or "td"
    index: int
    attrs: list[tuple[str, str | None]]


@dataclass
class Amended:
    html: str
    #: What the page would fetch from outside itself, described for a person.
    fetched: list[str]


def _resources(tag: str, attrs: list[tuple[str, str | None]]) -> list[str]:
    found = []
    for name, value in attrs:
        if value is None:
            continue
        if name == "xlink:href":  # SVG 1.1 spelling of href
            name = "href"
        if (tag, name) in RESOURCE_ATTRIBUTES:
            if name == "srcset":
                urls = [part.strip().split(" ")[0] for part in re.split(r",\s+", value)]
            else:
                urls = [value]
            found += [f"<{tag} {name}={u!r}>" for u in urls if not is_inline(u)]
        elif name == "style":
            found += [f"<{tag} style> url {u!r}" for u in css_references(value)]
    return found


def amend(page: str, toc_levels: tuple[str, ...] = ("h1", "h2", "h3")) -> Amended:
    """Apply the fix-ups above to a whole page; see the module's docstring."""
    page = _ANCHOR_LINK.sub("", page)
    pieces: list[str] = []
    fetched: list[str] = []
    headings: list[_Heading] = []
    open_heading: _Heading | None = None
    in_main = False
    thead = 0
    rows: list[list[_Cell]] = []  # a stack, for tables inside tables
    toc_start = toc_end = -1
    in_toc = False
    position = 0

    def finish_row() -> None:
        cells = rows.pop()
        for cell in cells:
            if cell.kind != "th" or _get(cell.attrs, "scope"):
                continue
            if thead:
                scope = "col"
            elif cells[0] is cell and any(c.kind == "td" for c in cells):
                scope = "row"
            else:
                scope = "col"
            cell.attrs.append(("scope", scope))
            pieces[cell.index] = _start_tag("th", cell.attrs)

    for match in _TOKEN.finditer(page):
        text = page[position : match.start()]
        if text:
            pieces.append(text)
            if open_heading is not None:
                open_heading.text.append(text)
        position = match.end()
        token = match.group(0)
        raw = match.group("raw")
        if raw is not None:
            tag = raw.lower()
            attrs = _attributes(match.group("rawattrs"))
            fetched += _resources(tag, attrs)
            if tag == "style":
                fetched += [f"<style> {u!r}" for u in css_references(match.group("rawbody"))]
            pieces.append(token)
            continue
        name = match.group("name")
        if name is None:  # a comment
            pieces.append(token)
            continue
        tag = name.lower()
        if match.group("end"):
            if open_heading is not None and tag == f"h{open_heading.level}":
                open_heading = None
            elif tag == "main":
                in_main = False
            elif tag == "thead":
                thead = max(0, thead - 1)
            elif tag == "tr" and rows:
                finish_row()
            elif tag == "nav" and in_toc:
                in_toc = False
                toc_end = len(pieces)
            pieces.append(token)
            continue
        attrs = _attributes(match.group("attrs"))
        fetched += _resources(tag, attrs)
        changed = False
        if tag == "img" and _get(attrs, "alt") is None:
            attrs.append(("alt", NO_ALT))
            changed = True
        elif tag == "main":
            in_main = True
        elif tag == "nav" and _get(attrs, "id") == "dsw-toc":
            in_toc = True
            toc_start = len(pieces)
        elif tag == "thead":
            thead += 1
        elif tag == "tr":
            rows.append([])
        elif tag in ("th", "td") and rows:
            rows[-1].append(_Cell(tag, len(pieces), attrs))
        elif in_main and tag in toc_levels and open_heading is None:
            open_heading = _Heading(int(tag[1]), len(pieces), attrs)
            headings.append(open_heading)
        pieces.append(_start_tag(name, attrs) if changed else token)
    pieces.append(page[position:])
    while rows:
        finish_row()

    _finish_headings(pieces, headings)
    if toc_start >= 0 and toc_end >= 0:
        if len(headings) < 2:
            for index in range(toc_start, toc_end + 1):
                pieces[index] = ""  # a one-heading handout needs no contents list
        else:
            pieces[toc_end] = _toc(headings) + pieces[toc_end]
    return Amended("".join(pieces), fetched)


def _text(heading: _Heading) -> str:
    words = [html_lib.unescape(part).strip() for part in heading.text]
    return " ".join(w for w in words if w)


def _finish_headings(pieces: list[str], headings: list[_Heading]) -> None:
    seen: dict[str, int] = {}
    previous = None
    for heading in headings:
        ident = _get(heading.attrs, "id")
        if not ident:
            # Headings inside HTML outputs have no id; the table of contents needs one.
            words = re.sub(r"[^\w]+", "-", _text(heading)).strip("-")
            ident = f"section-{words[:60] or 'untitled'}"
        if ident in seen:
            seen[ident] += 1
            ident = f"{ident}-{seen[ident]}"
        else:
            seen[ident] = 1
        _set(heading.attrs, "id", ident)
        level = f"h{heading.level}"
        if (level == "h1" and previous is not None) or (
            level == "h2" and previous not in (None, "h1")
        ):
            classes = (_get(heading.attrs, "class") or "").split()
            if not classes:
                heading.attrs.insert(0, ("class", ""))
            _set(heading.attrs, "class", " ".join([*classes, "dsw-page-break"]))
        if level in ("h1", "h2"):
            previous = level
        pieces[heading.index] = _start_tag(level, heading.attrs)


def _toc(headings: list[_Heading]) -> str:
    """Nested ordered lists: each heading under the nearest earlier one of a higher level."""
    root: list[tuple[str, str, list]] = []
    stack: list[tuple[int, list]] = [(0, root)]
    for heading in headings:
        while len(stack) > 1 and stack[-1][0] >= heading.level:
            stack.pop()
        item = (_get(heading.attrs, "id") or "", _text(heading), [])
        stack[-1][1].append(item)
        stack.append((heading.level, item[2]))

    def lists(items: list[tuple[str, str, list]]) -> str:
        inner = "".join(
            f'<li><a href="#{html_lib.escape(ident, quote=True)}">'
            f"{html_lib.escape(text, quote=False)}</a>{lists(children) if children else ''}</li>"
            for ident, text, children in items
        )
        return f"<ol>{inner}</ol>"

    return lists(root)
