"""Breakout scenarios: ``exercises/<jurisdiction>/scenarios/<set>/<breakout>.yaml``.

A facilitator adds a scenario by adding an entry to one of these files; ``datasharing-workshop
validate`` checks it against the jurisdiction's catalogue (every category, rule, channel and
recipient it names must exist, and the answer it pins must agree with the rules). What a
scenario holds and how it is checked is each breakout's own (:mod:`.registry`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..content.catalogue import Catalogue, load_catalogue
from ..content.yaml_source import display_path
from ..errors import ContentError, Problem
from .base import DEFAULT_SET, load_file
from .registry import BREAKOUTS, get_breakout


def scenario_path(
    breakout: str,
    jurisdiction: str = "ct",
    scenario_set: str = DEFAULT_SET,
    catalogue: Catalogue | None = None,
) -> Path:
    cat = catalogue or load_catalogue(jurisdiction)
    return cat.folder / "scenarios" / scenario_set / f"{breakout}.yaml"


def load_scenarios(
    breakout: str,
    jurisdiction: str = "ct",
    scenario_set: str = DEFAULT_SET,
) -> list[Any]:
    """The scenarios of one breakout, checked against the jurisdiction's catalogue.

    Raises
    ------
    ContentError
        Unknown breakout, missing file, or any problem in the file.
    """
    found = get_breakout(breakout)
    cat = load_catalogue(jurisdiction)
    path = scenario_path(breakout, scenario_set=scenario_set, catalogue=cat)
    if not path.exists():
        sets = sorted(p.name for p in (cat.folder / "scenarios").glob("*") if p.is_dir())
        raise ContentError(
            [
                Problem(
                    display_path(path),
                    "",
                    f"no scenario file for breakout "
                    f"'{breakout}' in set '{scenario_set}' (sets here: "
                    f"{', '.join(sets) or 'none'})",
                )
            ]
        )
    scenarios, problems = load_file(cat, found, path)
    if problems:
        raise ContentError(problems)
    return scenarios


def validate_scenarios(cat: Catalogue) -> tuple[int, list[Problem]]:
    """Check every scenario file of a catalogue: (number of scenarios, problems)."""
    folder = cat.folder / "scenarios"
    count, problems = 0, []
    if not folder.is_dir():
        return 0, []
    files = []
    for path in sorted(folder.glob("*/*.yaml")):
        breakout = BREAKOUTS.get(path.stem)
        if breakout is None:
            problems.append(
                Problem(
                    display_path(path),
                    "",
                    f"unknown breakout '{path.stem}' "
                    f"(file name); expected one of: {', '.join(BREAKOUTS)}",
                )
            )
            continue
        scenarios, found = load_file(cat, breakout, path)
        count += len(scenarios)
        problems += found
        files.append((breakout, path))
    # Pinned answers need the rules engine and, sometimes, other files of the set.
    if not problems:
        for breakout, path in sorted(files, key=lambda f: (f[0].number, str(f[1]))):
            problems += breakout.check_pinned(cat, path, path.parent.name)
    return count, problems
