"""File sizes as people write them ("35 MB", "1.5GB") and as the rules compare them (bytes).

The playbook writes sizes in decimal units (1.5GB, 5GB, 100GB), so MB, GB and TB here are
powers of 1000; KiB, MiB and GiB are accepted for people who copy a size from their file
manager.
"""

from __future__ import annotations

import re

from ..errors import InputError

_UNITS = {
    "b": 1,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_PATTERN = re.compile(r"^\s*(?P<number>[+-]?\d+(?:\.\d+)?|[+-]?\.\d+)\s*(?P<unit>[a-z]*)\s*$", re.I)

EXPECTED = "a size such as 40 MB, 1.5 GB or 6GB"
#: The largest size the kit accepts (1,000 TB); anything above is a typo.
MAX_BYTES = 10**15
_MAX_TEXT = 40


def _bounded(value: float, text: object) -> int:
    import math

    if math.isnan(value) or value > MAX_BYTES:
        raise InputError(f"a size must be a number no larger than 1000 TB, got {_show(text)}")
    return round(value)


def _show(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= _MAX_TEXT else shown[: _MAX_TEXT - 4] + "...'"


def parse_size(text: str | int | float) -> int:
    """Parse a size into bytes.

    Parameters
    ----------
    text
        ``"3GB"``, ``"40 MB"``, ``"1.5 gb"``. A bare number is only accepted as an int or
        float of bytes, because "35" alone is ambiguous.

    Raises
    ------
    InputError
        Unparsable, unknown unit, or negative.
    """
    if isinstance(text, bool):
        raise InputError(f"expected {EXPECTED}, got {text!r}")
    if isinstance(text, int | float):
        if text < 0:
            raise InputError(f"a size cannot be negative, got {_show(text)}")
        return _bounded(float(text) if isinstance(text, float) else min(text, MAX_BYTES + 1), text)
    if len(str(text)) > 100:
        raise InputError(f"expected {EXPECTED}, got {_show(text)}")
    match = _PATTERN.match(str(text))
    if not match:
        raise InputError(f"expected {EXPECTED}, got {_show(text)}")
    number = float(match["number"])
    unit = match["unit"].lower() or None
    if unit is None:
        raise InputError(f"expected {EXPECTED} (with a unit), got {_show(text)}")
    if unit not in _UNITS:
        raise InputError(f"unknown size unit {match['unit']!r} in {_show(text)}; use MB, GB or TB")
    if number < 0:
        raise InputError(f"a size cannot be negative, got {_show(text)}")
    return _bounded(number * _UNITS[unit], text)


def format_size(size_bytes: int) -> str:
    """Bytes as a short decimal size: ``1500000000`` -> ``"1.5 GB"``."""
    for unit, factor in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if size_bytes >= factor:
            value = size_bytes / factor
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
    return f"{size_bytes} bytes"
