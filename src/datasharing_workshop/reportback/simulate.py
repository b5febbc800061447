"""Fill an answer store with a made-up workshop: for rehearsals, demos and tests.

``simulate_workshop`` plays a number of groups through every registered breakout
(:mod:`..breakouts.registry`) and has an observer log a few notes per group. Everything
goes through the functions the notebooks use: each breakout's ``simulate`` makes an answer,
its ``grade`` (the same verdict the Check button shows) judges it, and
:func:`~..breakouts.base.save_attempt` (what the Check button's saver calls) saves it with
its per-item marks; each note is saved by :func:`.observations.save_observation`, like the
form's Save button. So a rehearsal's report-back looks exactly like a real one, and no
widget (ipywidgets) is loaded.

The groups' choices come from a seeded random generator: the same seed gives the same
answers. Each group has a skill level; a wrong answer is usually a plausible mix-up (the
wider category, a related one; an allowed but not best channel) rather than noise. Some
groups check a scenario twice, so the report-back shows first attempts beside latest.

The observers' notes are invented examples from ``exercises/workshop/simulation.yaml``.
The name is the workshop's own (workshop.yml) unless another is given.
"""

from __future__ import annotations

import os
import random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from ..breakouts.base import DEFAULT_SET, save_attempt
from ..breakouts.registry import BREAKOUTS, get_breakout
from ..breakouts.scenarios import load_scenarios
from ..content.catalogue import load_catalogue
from ..content.models import Entry, Id, Text
from ..content.workshop import load_model, workshop_file
from ..errors import ContentError, StoreError
from ..store import AnswerStore, resolve_store_path

__all__ = ["Simulation", "group_names", "load_simulated_notes", "simulate_workshop"]

DEFAULT_SEED = 2020
#: Chance that a group checks a scenario once with a weaker answer, then again.
RETRY_CHANCE = 0.3


class SimulatedNote(Entry):
    section: Id
    worked: str = ""
    confused: str = ""
    suggestion: str = ""
    severity: Text


class SimulationFile(Entry):
    notes: list[SimulatedNote] = Field(min_length=1)


def load_simulated_notes(path: str | Path | None = None) -> list[SimulatedNote]:
    """The invented observer notes of ``exercises/workshop/simulation.yaml``."""
    file = Path(path) if path else workshop_file("simulation.yaml")
    return list(load_model(file, SimulationFile).notes)


@dataclass(frozen=True)
class Simulation:
    """What a simulation saved."""

    workshop: str
    store_path: Path
    groups: tuple[str, ...]
    answers: int
    observations: int
    #: Playbook section ids that received notes, in playbook order.
    sections: tuple[str, ...]
    exercises: tuple[str, ...]


def group_names(count: int) -> list[str]:
    """``Group A``, ``Group B``, ... then ``Group 27``, ``Group 28``, ..."""
    letters = string.ascii_uppercase
    return [f"Group {letters[i]}" if i < len(letters) else f"Group {i + 1}" for i in range(count)]


# --------------------------------------------------------------------------- the run


def simulate_workshop(
    store_path: str | os.PathLike[str] | None = "",
    workshop_id: str = "",
    *,
    groups: int | Sequence[str] = 4,
    seed: int = DEFAULT_SEED,
    jurisdiction: str = "ct",
    scenario_set: str = DEFAULT_SET,
    notes_per_group: int = 2,
    exercises: Sequence[str] | None = None,
) -> Simulation:
    """Play ``groups`` groups through the breakouts and log observers' notes.

    Parameters
    ----------
    store_path
        The answer store (blank: ``$DATASHARING_WORKSHOP_STORE`` or the default).
    workshop_id
        The workshop name to save under (empty: the workshop_id in workshop.yml).
    groups
        How many groups (named Group A, Group B, ...), or their names.
    seed
        Seed of the random choices: the same seed gives the same answers and notes.
    jurisdiction, scenario_set
        Which catalogue and scenarios the groups answer.
    notes_per_group
        Observer notes logged per group.
    exercises
        Breakouts to play (default: every registered breakout that has scenarios).

    Returns
    -------
    Simulation

    Raises
    ------
    ContentError
        The catalogue, the scenarios or the simulated notes are malformed.
    StoreError
        An answer could not be saved.
    """
    from ..plenary.observations import save_observation

    if not workshop_id:
        from ..content.workshop_name import configured_workshop_id

        workshop_id = configured_workshop_id()
    rng = random.Random(seed)
    names = group_names(groups) if isinstance(groups, int) else list(groups)
    cat = load_catalogue(jurisdiction)
    path = resolve_store_path(store_path).absolute()
    played: dict[str, list[Any]] = {}
    for exercise_id in exercises or list(BREAKOUTS):
        get_breakout(exercise_id)  # an unknown name is an error, not a silent skip
        try:
            played[exercise_id] = load_scenarios(exercise_id, jurisdiction, scenario_set)
        except ContentError:
            if exercises is not None:
                raise  # asked for by name: a missing file is an error
    answers = 0
    with AnswerStore(path) as store:
        for name in names:
            skill = rng.uniform(0.7, 0.95)
            for exercise_id, scenarios in played.items():
                breakout = BREAKOUTS[exercise_id]
                for scenario in scenarios:
                    attempts = (
                        [max(0.2, skill - 0.3), skill] if rng.random() < RETRY_CHANCE else [skill]
                    )
                    for level in attempts:
                        answer = breakout.simulate(rng, cat, scenario, level, scenario_set)
                        evaluation = breakout.grade(cat, scenario, answer, scenario_set)
                        if evaluation.blank:
                            raise StoreError(
                                f"the simulated answer to {exercise_id} / {scenario.id} is blank"
                            )
                        save_attempt(
                            store,
                            workshop=workshop_id,
                            group=name,
                            exercise=exercise_id,
                            scenario=scenario.id,
                            evaluation=evaluation,
                        )
                        answers += 1

    pool = [n for n in load_simulated_notes() if n.section in cat.sections]
    rng.shuffle(pool)
    saved_sections: set[str] = set()
    observations = 0
    with AnswerStore(path) as store:
        for index, name in enumerate(names):
            for k in range(notes_per_group):
                if not pool:
                    break
                note = pool[(index * notes_per_group + k) % len(pool)]
                save_observation(
                    store,
                    workshop=workshop_id,
                    author_role="observer",
                    playbook_section=note.section,
                    severity=note.severity,
                    group=name,
                    worked=note.worked,
                    confused=note.confused,
                    suggestion=note.suggestion,
                    jurisdiction=jurisdiction,
                )
                saved_sections.add(note.section)
                observations += 1
    order = [s.id for s in cat.jurisdiction.sections if s.id in saved_sections]
    return Simulation(
        workshop=workshop_id,
        store_path=path,
        groups=tuple(names),
        answers=answers,
        observations=observations,
        sections=tuple(order),
        exercises=tuple(played),
    )
