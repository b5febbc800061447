"""The plenary notebooks' names as the agenda gives them.

Tests name the report-back and wrap-up notebooks through these, not as ``08_...`` strings,
so a breakout added before the report-back (which renumbers the later notebooks) changes
the agenda and the files, and no test.
"""

from __future__ import annotations

from datasharing_workshop.plenary.agenda import load_agenda

AGENDA = load_agenda()

#: ``NN_report_back``: the facilitator-only notebook that reads every group's answers.
REPORT_BACK: str = AGENDA.session("report_back").notebook or ""
#: ``NN_wrap_up``: the last notebook of the day.
WRAP_UP: str = AGENDA.session("wrap_up").notebook or ""
#: Notebooks of the plenary sessions (welcome, tour, report-back, wrap-up), in order.
PLENARY: tuple[str, ...] = tuple(
    s.notebook for s in AGENDA.sessions if s.kind == "plenary" and s.notebook
)
#: Exercise ids of the breakout sessions, in running order.
BREAKOUT_EXERCISES: tuple[str, ...] = tuple(s.exercise for s in AGENDA.sessions if s.exercise)
