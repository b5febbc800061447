"""Check a feedback template by filling it in, the way the rules will, before anyone sees it.

A template such as ``{channel:d}`` passes a look at its placeholder names but fails the
moment a Check fills it in with a channel's name, so every participant of that breakout
would get no feedback. :func:`render_problem` fills each template with sample values of
every type the kit may pass (text, and whole numbers where the rules pass numbers) and
returns what went wrong, for ``validate`` to report with the file and line.
"""

from __future__ import annotations

import string
from collections.abc import Iterable

#: Placeholders the rules may fill with a number rather than text.
NUMBER_PLACEHOLDERS = frozenset(
    {"count", "days", "min_words", "size", "low", "high", "cells", "total", "people"}
)
_FORMATTER = string.Formatter()


def _samples(names: Iterable[str]) -> list[dict[str, object]]:
    names = list(names)
    as_text = {name: f"sample {name}" for name in names}
    typed = {name: (7 if name in NUMBER_PLACEHOLDERS else f"sample {name}") for name in names}
    return [as_text, typed] if typed != as_text else [as_text]


def render_problem(text: str, allowed: Iterable[str]) -> str | None:
    """Why ``text`` cannot be filled in with the placeholders ``allowed``, or None.

    Only plain ``{name}`` placeholders are safe for every value; a format (``:d``, ``:>5``)
    or a conversion (``!r``) that fails for any sample value is reported.
    """
    for values in _samples(allowed):
        try:
            _FORMATTER.vformat(text, (), values)
        except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
            return (
                f"cannot be filled in ({type(exc).__name__}: {exc}); write each placeholder "
                "plainly, such as {channel}, without a format such as ':d' after the name"
            )
    return None
