"""Text from people, made safe to store and show: no half emoji, no hidden reordering.

A paste can cut an emoji in half (a lone UTF-16 surrogate), which no UTF-8 file or
database can hold; a right-to-left override (U+202E) makes ``Group A`` print as
``A puorG`` and can disguise a name in a handout; other control characters do not print
at all. :func:`clean_text` replaces a lone surrogate with U+FFFD (the "unknown character"
sign), removes bidirectional overrides and isolates, and removes control characters other
than tab and new line. It runs before an answer or note is stored or shown.

Bounds: :data:`MAX_TEXT_CHARS` for one free-text field, :data:`MAX_ANSWER_CHARS` for a
whole saved answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import InputError

#: Longest free text one field may hold (about five pages).
MAX_TEXT_CHARS = 10_000
#: Longest saved answer (all its fields, as JSON).
MAX_ANSWER_CHARS = 50_000

# Bidirectional embeddings, overrides and isolates (and the Arabic letter mark), which
# reorder the text around them; C0 and C1 control characters except tab and new line.
_UNSAFE = re.compile(
    "[\u202a-\u202e\u2066-\u2069\u061c\u200e\u200f\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """``text`` with lone surrogates replaced and unsafe control characters removed."""
    if _SURROGATE.search(text):
        # Pairs written as two surrogates become the one character they stand for.
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", text)


def clean_value(value: Any) -> Any:
    """:func:`clean_text` applied to every string in a JSON-like value (keys too)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def check_length(name: str, text: str, limit: int = MAX_TEXT_CHARS) -> str:
    """Refuse text longer than ``limit`` characters, saying how long it is."""
    if len(text) > limit:
        raise InputError(
            f"{name} is too long to save ({len(text):,} characters; at most {limit:,}). "
            "Shorten it; the text stays in the page"
        )
    return text
