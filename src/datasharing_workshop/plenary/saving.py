"""Saving the plenary practice answers (welcome practice question, tour quiz) like the
breakouts' answers, so the facilitator's console can show the room's results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Exercise ids the plenary practice answers are saved under.
WELCOME_PRACTICE = "welcome_practice"
TOUR_QUIZ = "tour_quiz"

Save = Callable[[str, dict[str, Any], bool, str], None]


def practice_saver(exercise: str, workshop_id: str, group: str, store_path: str) -> Save | None:
    """A function saving one attempt (scenario, answer, correct, feedback), or None when
    the page has no group (a handout or a demonstration saves nothing)."""
    group = (group or "").strip()
    if not group:
        return None
    if not workshop_id:
        from ..content.workshop_name import configured_workshop_id

        workshop_id = configured_workshop_id()

    def save(scenario: str, answer: dict[str, Any], correct: bool, feedback: str) -> None:
        from ..store import AnswerStore

        with AnswerStore(store_path or None) as store:
            store.record_answer(
                workshop=workshop_id,
                group=group,
                exercise=exercise,
                scenario=scenario,
                answer=answer,
                correct=correct,
                feedback=feedback,
            )

    return save
