"""Fill an answer store with a made-up workshop: for rehearsals, demos and tests.

``simulate_workshop`` plays a number of groups through every breakout the kit can check
and has an observer log a few notes per group. Everything goes through the functions the
notebooks use: each answer is judged by the breakout's own verdict function
(``check_classification``, ``check_transfer``) and saved by the Check button's saver
(``answer_saver``); each note is saved by :func:`.observations.save_observation`, like the
form's Save button. So a rehearsal's report-back looks exactly like a real one.

The groups' choices come from a seeded random generator: the same seed gives the same
answers. Each group has a skill level; a wrong answer is usually a plausible mix-up (the
wider category, a related one; an allowed but not best channel) rather than noise. Some
groups check a scenario twice, so the report-back's "latest attempt" matters.

The observers' notes are invented examples from ``exercises/workshop/simulation.yaml``.
The name is the workshop's own (workshop.yml) unless another is given.
"""

from __future__ import annotations

import os
import random
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from ..breakouts.scenarios import DEFAULT_SET, load_scenarios
from ..content.catalogue import Catalogue, load_catalogue
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


# --------------------------------------------------------------------------- breakouts


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    values = [o for o, _ in options]
    weights = [w for _, w in options]
    return rng.choices(values, weights=weights, k=1)[0]


def _wrong_category(rng: random.Random, cat: Catalogue, key: str) -> str:
    """A plausible mistake: a related category (wider, narrower, same level) is likelier."""
    key_cat = cat.categories[key]
    options = []
    for other in cat.categories.values():
        if other.id == key:
            continue
        related = (
            other.id == key_cat.parent
            or other.parent == key
            or (other.parent is not None and other.parent == key_cat.parent)
            or other.level == key_cat.level
            or (key_cat.combination is not None and other.id == key_cat.combination.counts_as)
        )
        options.append((other.id, 6.0 if related else 0.4))
    return _weighted(rng, options)


def _simulate_classify(
    rng: random.Random, cat: Catalogue, scenario: Any, skill: float, _scenario_set: str
) -> Any:
    from ..widgets.classify_data import NO_RULE, check_classification

    answers = {}
    for f in scenario.dataset.fields:
        category = f.category if rng.random() < skill else _wrong_category(rng, cat, f.category)
        key_rule = f.rule or NO_RULE
        if category == f.category and rng.random() < skill:
            rule = key_rule
        else:
            covering = [r.id for r in cat.rules_for(category)]
            rule = rng.choice([*covering, NO_RULE]) if covering else NO_RULE
        answers[f.name] = {"category": category, "rule": rule}
    return check_classification(cat, scenario, answers)


def _simulate_transfer(
    rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
) -> Any:
    from ..rules.transfer import advise_transfer, steps_before_sending
    from ..widgets.transfer_channel import check_transfer, scenario_transfer

    transfer = scenario_transfer(cat, scenario, scenario_set)
    advice = advise_transfer(cat, transfer)
    best = advice.best.channel.id if advice.best else None
    if best is not None and rng.random() < skill:
        channel = best
    else:
        others = [(v.channel.id, 2.0 if v.allowed else 1.0) for v in advice.verdicts]
        others = [(c, w) for c, w in others if c != best] or [(best or "", 1.0)]
        channel = _weighted(rng, others)
    verdict = advice.verdict(channel) if channel in cat.channels else None
    needed = (
        [s.id for s in steps_before_sending(cat, transfer, channel, advice.sensitivity)]
        if verdict is not None and verdict.allowed
        else []
    )
    steps = [s for s in needed if rng.random() < skill + 0.1]
    steps += [s for s in cat.steps if s not in needed and rng.random() < (1 - skill) / 3]
    return check_transfer(cat, transfer, channel, steps)


#: Breakouts the simulator can play, by exercise id: ``(rng, catalogue, scenario, skill,
#: scenario_set) -> Evaluation``. A new breakout adds its own here.
SIMULATORS: dict[str, Callable[..., Any]] = {
    "classify_data": _simulate_classify,
    "transfer_channel": _simulate_transfer,
}


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
        Breakouts to play (default: every one in :data:`SIMULATORS` that has scenarios).

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
    from ..widgets.common import ExerciseSettings, answer_saver, close_stores

    if not workshop_id:
        from ..content.workshop_name import configured_workshop_id

        workshop_id = configured_workshop_id()
    rng = random.Random(seed)
    names = group_names(groups) if isinstance(groups, int) else list(groups)
    cat = load_catalogue(jurisdiction)
    path = resolve_store_path(store_path).absolute()
    played: dict[str, list[Any]] = {}
    for exercise_id in exercises or list(SIMULATORS):
        try:
            played[exercise_id] = load_scenarios(exercise_id, jurisdiction, scenario_set)
        except ContentError:
            if exercises is not None:
                raise  # asked for by name: a missing file is an error
    answers = 0
    try:
        for name in names:
            skill = rng.uniform(0.7, 0.95)
            settings = ExerciseSettings(workshop_id, name, scenario_set, str(path), jurisdiction)
            for exercise_id, scenarios in played.items():
                simulate = SIMULATORS[exercise_id]
                for scenario in scenarios:
                    attempts = (
                        [max(0.2, skill - 0.3), skill] if rng.random() < RETRY_CHANCE else [skill]
                    )
                    save = answer_saver(settings, exercise_id, scenario.id)
                    for level in attempts:
                        evaluation = simulate(rng, cat, scenario, level, scenario_set)
                        status = save(evaluation)
                        if "Saved" not in status:
                            raise StoreError(f"the simulated answer was not saved: {status}")
                        answers += 1
    finally:
        close_stores()

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
