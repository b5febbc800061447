"""The console's grid: where each group stands on each exercise, read from the store.

A cell is one of four states, by the group's latest attempt at each scenario:

* ``not started``: no Check pressed yet;
* ``working``: some scenarios checked, not all;
* ``checked``: every scenario checked, at least one not right yet;
* ``all right``: every scenario checked and right.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from ..store import AnswerStore, resolve_store_path
from .settings import RoomSettings

NOT_STARTED, WORKING, CHECKED, ALL_RIGHT = "not started", "working", "checked", "all right"
STATES = (NOT_STARTED, WORKING, CHECKED, ALL_RIGHT)


@dataclass(frozen=True)
class Column:
    exercise: str
    title: str
    scenarios: tuple[str, ...]


def columns(room: RoomSettings, exercises: list[tuple[str, str]]) -> list[Column]:
    """One column per ``(exercise id, title)``, with the exercise's scenario ids."""
    from ..breakouts.scenarios import load_scenarios

    out = []
    for exercise, title in exercises:
        scenarios = load_scenarios(exercise, room.jurisdiction, room.scenario_set)
        out.append(Column(exercise, title, tuple(s.id for s in scenarios)))
    return out


def cell_state(scenarios: tuple[str, ...], latest: dict[str, bool]) -> str:
    """The state of one cell from ``{scenario id: latest attempt right?}``."""
    answered = [s for s in scenarios if s in latest]
    if not answered:
        return NOT_STARTED
    if len(answered) < len(scenarios):
        return WORKING
    return ALL_RIGHT if all(latest[s] for s in scenarios) else CHECKED


def grid(room: RoomSettings, cols: list[Column]) -> dict[str, Any]:
    """The grid as JSON-ready data: groups (rows) x exercises (columns).

    A store file that does not exist yet reads as "nothing checked"; it is not created.
    """
    latest: dict[tuple[str, str], dict[str, bool]] = defaultdict(dict)
    latest_all: list = []
    checked = 0
    path = resolve_store_path(room.store_path)  # a file, or a postgresql:// URL
    if path.exists():
        with AnswerStore(path, create=False) as store:
            latest_all = store.latest_answers(room.workshop_id)
            for record in latest_all:
                latest[(record.group, record.exercise)][record.scenario] = record.correct
            checked = store.count_answers(room.workshop_id)
    rows = []
    for group in room.groups:
        cells = [
            {
                "exercise": col.exercise,
                "state": cell_state(col.scenarios, latest.get((group.name, col.exercise), {})),
                "checked": len(latest.get((group.name, col.exercise), {})),
                "of": len(col.scenarios),
            }
            for col in cols
        ]
        rows.append({"group": group.name, "slug": group.slug, "cells": cells})
    return {
        "room_wide": room_wide(latest_all),
        "workshop": room.workshop_id,
        "columns": [{"exercise": c.exercise, "title": c.title} for c in cols],
        "rows": rows,
        "attempts": checked,
    }


#: The plenary practice answers the console shows for the whole room, with their titles.
ROOM_WIDE = (
    ("welcome_practice", "Welcome: the practice question"),
    ("tour_quiz", "Tour of the playbook: who would you ask?"),
)


def room_wide(latest: list) -> list[dict[str, Any]]:
    """For the welcome practice question and each tour quiz question: how many groups
    answered (latest attempt) and how many of those were right."""
    out = []
    for exercise, title in ROOM_WIDE:
        by_scenario: dict[str, list[bool]] = defaultdict(list)
        for record in latest:
            if record.exercise == exercise:
                by_scenario[record.scenario].append(record.correct)
        for scenario in sorted(by_scenario, key=lambda s: (len(s), s)):
            answers = by_scenario[scenario]
            label = title if scenario == "practice" else f"{title} question {scenario[1:]}"
            out.append(
                {
                    "exercise": exercise,
                    "scenario": scenario,
                    "title": label,
                    "answered": len(answers),
                    "right": sum(answers),
                }
            )
    return out
