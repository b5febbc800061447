"""Find what an HTML page would fetch: every handout must be one self-contained file.

A handout is opened from a shared drive or a USB stick in a room without internet. Links
to read (``<a href="https://...">``) are fine; anything the browser loads by itself
(script, stylesheet, image, frame, CSS ``url()`` or ``@import``) must be inline or a
``data:`` URI. Only the standard library's :mod:`html.parser` is used.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

#: (tag, attribute) pairs whose value the browser fetches without a click.
RESOURCE_ATTRIBUTES = {
    ("script", "src"),
    ("link", "href"),
    ("img", "src"),
    ("img", "srcset"),
    ("source", "src"),
    ("source", "srcset"),
    ("iframe", "src"),
    ("frame", "src"),
    ("embed", "src"),
    ("object", "data"),
    ("video", "src"),
    ("video", "poster"),
    ("audio", "src"),
    ("track", "src"),
    ("input", "src"),
    ("image", "href"),
    ("use", "href"),
}

_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.I | re.S)
# @import "x.css"; (the url("x.css") form is found by _CSS_URL)
_CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.I)


def is_inline(url: str) -> bool:
    """True for references that load nothing: ``data:`` URIs and same-page ``#anchors``."""
    url = url.strip()
    return not url or url.startswith("#") or url.lower().startswith("data:")


def css_references(css: str) -> list[str]:
    """Every ``url(...)`` and ``@import`` target in a stylesheet that is not inline."""
    found = [m.group(2) for m in _CSS_URL.finditer(css)]
    found += [m.group(2) for m in _CSS_IMPORT.finditer(css)]
    return [u for u in found if not is_inline(u)]


class _ResourceFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name == "xlink:href":  # SVG 1.1 spelling of href
                name = "href"
            if (tag, name) in RESOURCE_ATTRIBUTES:
                if name == "srcset":
                    # Candidates are separated by ", "; a data: URI has a bare comma.
                    urls = [part.strip().split(" ")[0] for part in re.split(r",\s+", value)]
                else:
                    urls = [value]
                self.found += [f"<{tag} {name}={u!r}>" for u in urls if not is_inline(u)]
            elif name == "style":
                self.found += [f"<{tag} style> url {u!r}" for u in css_references(value)]
        if tag == "style":
            self._in_style = True

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag == "style":
            self._in_style = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.found += [f"<style> {u!r}" for u in css_references(data)]


def external_resources(html: str) -> list[str]:
    """Describe every resource ``html`` would fetch from outside itself; empty when none."""
    finder = _ResourceFinder()
    finder.feed(html)
    finder.close()
    return finder.found
