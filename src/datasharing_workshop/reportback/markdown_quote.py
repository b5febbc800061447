"""Free text made inert in Markdown: what a person typed cannot add structure or links.

The feedback export is pasted into GitHub issues, where Markdown turns ``# text`` into a
heading, ``[x](url)`` into a link, ``![x](url)`` into an image that loads from anywhere,
``<b>`` into HTML and ``@name`` into a notification to a stranger. :func:`inline` escapes
one line of text for use inside a sentence or heading; :func:`quoted` turns a whole answer
into a block quote whose lines cannot start a heading, list or fence.
"""

from __future__ import annotations

import re

from ..text_safety import clean_text

# Characters that open inline structure anywhere in a line (emphasis, code, links,
# images, HTML, entities, strikethrough, tables), escaped with a backslash.
_INLINE = re.compile(r"([\\`*_\[\]<>~|&])")
# What starts a block at the beginning of a line: headings, quotes, lists, rules, fences.
_LINE_START = re.compile(r"^(\s*)([#>+\-=:]|\d+(?=[.)]))")
_ZWSP = "\u200b"


def inline(text: str) -> str:
    """One line of free text, safe inside a Markdown sentence or heading."""
    text = " ".join(clean_text(str(text)).split())
    text = _INLINE.sub(r"\\\1", text)
    # A zero-width space keeps @mentions, bare URLs and www. links from being linked.
    text = text.replace("@", "@" + _ZWSP).replace("://", ":" + _ZWSP + "//")
    return re.sub(r"(?i)\bwww\.", lambda m: m.group(0)[:3] + _ZWSP + ".", text)


def quoted(text: str) -> str:
    """A whole answer as a block quote; every line escaped, none can start a block."""
    lines = []
    for line in clean_text(str(text)).strip().splitlines():
        if not line.strip():
            lines.append(">")
            continue
        body = inline(line)
        body = _LINE_START.sub(_escape_start, body)
        lines.append(f"> {body}")
    return "\n".join(lines)


def _escape_start(match: re.Match[str]) -> str:
    space, mark = match.group(1), match.group(2)
    if mark[0].isdigit():  # "1. item": escape the dot, not the digit
        return f"{space}{mark}\\"
    return f"{space}\\{mark}"


def code_span(text: str) -> str:
    """Short text such as a workshop name in backticks, or escaped when it has backticks."""
    text = " ".join(clean_text(str(text)).split())
    return f"`{text}`" if text and "`" not in text else inline(text)
