"""Facilitator-written regular expressions that cannot hang a kernel.

Python's ``re`` backtracks: a pattern with a repeat inside a repeat, such as
``^(\\w+\\s?)+$``, takes time exponential in the length of a text it almost matches, so one
participant's answer could freeze a group's kernel and ``validate`` with it.
:func:`backtracking_problem` finds such patterns when the content is checked (a repeat that
may run without bound containing another repeat, or alternatives that can match the same
text), so they never reach a kernel; :func:`bounded_search` also caps the text searched at
:data:`MAX_SEARCH_CHARS`, which keeps the remaining polynomial cases quick.
"""

from __future__ import annotations

import re

try:  # Python 3.11+
    import re._parser as _sre  # type: ignore[import-not-found]
    from re._constants import MAXREPEAT  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre  # type: ignore[no-redef]
    from sre_constants import MAXREPEAT  # type: ignore[no-redef]

#: Longest text a content pattern is run on (longer answers are searched in their start).
MAX_SEARCH_CHARS = 10_000

_REPEATS = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")


def _name(op: object) -> str:
    return str(op).rsplit(".", 1)[-1]


def _has_repeat(items: list) -> bool:
    for op, av in items:
        name = _name(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT") and av[1] > 1:
            return True
        for sub in _children(name, av):
            if _has_repeat(sub):
                return True
    return False


def _children(name: str, av: object) -> list[list]:
    if name in _REPEATS:
        return [list(av[2])]  # type: ignore[index]
    if name == "SUBPATTERN":
        return [list(av[-1])]  # type: ignore[index]
    if name == "BRANCH":
        return [list(b) for b in av[1]]  # type: ignore[index]
    if name in ("ASSERT", "ASSERT_NOT"):
        return [list(av[1])]  # type: ignore[index]
    if name == "ATOMIC_GROUP":
        return [list(av)]  # type: ignore[arg-type]
    if name == "GROUPREF_EXISTS":
        return [list(x) for x in av[1:] if x is not None]  # type: ignore[index]
    return []


def _first_literals(items: list) -> set[str] | None:
    """The literal a sequence must start with, as a one-element set, or None (unknown)."""
    for op, av in items:
        name = _name(op)
        if name == "LITERAL":
            return {chr(av)}
        if name in ("AT",):
            continue
        if name == "SUBPATTERN":
            return _first_literals(list(av[-1]))
        return None
    return set()


def _walk(items: list) -> str | None:
    for op, av in items:
        name = _name(op)
        if name in ("MAX_REPEAT", "MIN_REPEAT") and av[1] == MAXREPEAT:
            body = list(av[2])
            if _has_repeat(body):
                return "a repeat inside a repeat, such as (\\w+\\s?)+"
            if _overlapping_branches(body):
                return "alternatives that can match the same text inside a repeat, such as (a|ab)+"
        for sub in _children(name, av):
            found = _walk(sub)
            if found:
                return found
    return None


def _overlapping_branches(body: list) -> bool:
    for op, av in body:
        name = _name(op)
        if name == "SUBPATTERN":
            return _overlapping_branches(list(av[-1]))
        if name == "BRANCH":
            starts = [_first_literals(list(b)) for b in av[1]]
            if any(s is None or not s for s in starts):
                return True  # cannot tell: a class or an empty branch may overlap
            seen: set[str] = set()
            for s in starts:
                if s & seen:
                    return True
                seen |= s
    return False


def backtracking_problem(pattern: str) -> str | None:
    """Why ``pattern`` could backtrack for ever on a long text, or None when it is safe.

    Also reports a pattern that is not a valid regular expression.
    """
    try:
        re.compile(pattern)
        parsed = _sre.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"not a valid regular expression ({exc})"
    try:
        found = _walk(list(parsed))
    except RecursionError:
        return "too deeply nested"
    if found:
        return (
            f"this pattern could take minutes on a long answer ({found}); write it without "
            "nesting repeats, for example \\b(word|other)\\b"
        )
    return None


def bounded_search(pattern: str, text: str, flags: int = 0) -> re.Match[str] | None:
    """``re.search`` on at most :data:`MAX_SEARCH_CHARS` characters of ``text``."""
    return re.search(pattern, text[:MAX_SEARCH_CHARS], flags)
