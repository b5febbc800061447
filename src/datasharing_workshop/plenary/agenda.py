"""The agenda (run of show) and the welcome notebook's content.

``exercises/workshop/agenda.yaml`` lists every session in running order with its minutes;
the sessions must add up to the workshop's ``length_minutes``. The facilitator guide's pages
carry the same minutes in their front matter, and ``tests/test_guide.py`` checks that the
two agree, so the welcome slide, the run of show and the guide never drift apart.

``exercises/workshop/welcome.yaml`` holds the goals, ground rules, tips for the widgets and a
practice question.

In a notebook::

    from datasharing_workshop.plenary import agenda
    agenda.agenda_table()          # the day, with clock times
    agenda.ground_rules()
    agenda.practice_question(jurisdiction)   # try the buttons
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from ..content.models import Entry, Id, Source, Text
from ..content.workshop import load_model, unique_ids, workshop_file
from ..content.yaml_source import YamlDocument
from ..errors import ContentError, InputError, Problem
from .display import HtmlBlock, bullet_list, escape, section_link, static_vbox

__all__ = [
    "Agenda",
    "ScheduledSession",
    "Session",
    "agenda_table",
    "goals",
    "ground_rules",
    "load_agenda",
    "load_welcome",
    "practice_question",
    "run_of_show_markdown",
    "widget_tips",
]

NotebookStem = Annotated[
    str,
    StringConstraints(pattern=r"^\d{2}_[a-z0-9_]+$"),
    Field(description="notebook file name without .ipynb, e.g. 03_classify_data"),
]
ClockTime = Annotated[
    str,
    StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$"),
    Field(description="a 24-hour clock time such as 09:00"),
]


# --- agenda.yaml -----------------------------------------------------------------------------


class FacilitationRole(Entry):
    id: Id
    name: Text
    does: Text = Field(description="what this person does on the day, in one or two sentences")


class Session(Entry):
    """One block of the day: a notebook (plenary or breakout) or a break."""

    id: Id
    title: Text
    kind: Literal["plenary", "breakout", "break"]
    notebook: NotebookStem | None = Field(
        None, description="the notebook (and guide page) of this session; none for a break"
    )
    exercise: Id | None = Field(
        None, description="the breakout's exercise id, as answers are saved under it"
    )
    planned: bool = Field(False, description="true while the session's notebook is not written yet")
    teaching: int = Field(0, ge=0, description="minutes of presenting")
    exercises: int = Field(0, ge=0, description="minutes of hands-on work or discussion")
    break_minutes: int = Field(0, ge=0, alias="break", description="minutes of break")
    led_by: Id | None = Field(None, description="id of a facilitation role")
    summary: Text = Field(description="what happens, in a sentence or two, for participants")

    @property
    def minutes(self) -> int:
        return self.teaching + self.exercises + self.break_minutes


class AgendaFile(Entry):
    title: Text
    subtitle: str = ""
    length_minutes: int = Field(gt=0, description="how long the whole workshop lasts")
    start: ClockTime = "09:00"
    facilitation_roles: list[FacilitationRole] = Field(min_length=1)
    sessions: list[Session] = Field(min_length=1)


def _check_agenda(doc: YamlDocument, agenda: AgendaFile) -> list[Problem]:
    problems = unique_ids(doc, "facilitation_roles", agenda.facilitation_roles)
    problems += unique_ids(doc, "sessions", agenda.sessions)
    roles = [r.id for r in agenda.facilitation_roles]
    notebooks: dict[str, int] = {}
    last_number = -1
    for index, s in enumerate(agenda.sessions):
        loc = ("sessions", index)
        if s.kind == "break":
            if s.notebook is not None:
                problems.append(doc.problem((*loc, "notebook"), "a break has no notebook"))
            if s.break_minutes <= 0 or s.teaching or s.exercises:
                problems.append(
                    doc.problem(
                        loc, "a break gives its length as `break: <minutes>` and nothing else"
                    )
                )
            continue
        if s.break_minutes:
            problems.append(
                doc.problem((*loc, "break"), "only a session of kind 'break' has break minutes")
            )
        if s.minutes <= 0:
            problems.append(
                doc.problem(loc, "give the session's `teaching` and/or `exercises` minutes")
            )
        if s.notebook is None:
            problems.append(doc.problem((*loc, "notebook"), "this field is required but missing"))
            continue
        if s.notebook in notebooks:
            problems.append(
                doc.problem(
                    (*loc, "notebook"),
                    f"notebook '{s.notebook}' is already used by sessions[{notebooks[s.notebook]}]",
                )
            )
        notebooks[s.notebook] = index
        number = int(s.notebook[:2])
        if number <= last_number:
            problems.append(
                doc.problem(
                    (*loc, "notebook"),
                    f"notebooks must be numbered in running order; '{s.notebook}' comes after "
                    f"number {last_number:02d}",
                )
            )
        last_number = max(last_number, number)
        if s.led_by is not None and s.led_by not in roles:
            problems.append(
                doc.problem(
                    (*loc, "led_by"),
                    f"unknown facilitation role '{s.led_by}'; expected one of: {', '.join(roles)}",
                )
            )
    total = sum(s.minutes for s in agenda.sessions)
    if total != agenda.length_minutes:
        problems.append(
            doc.problem(
                ("length_minutes",),
                f"the sessions add up to {total} minutes, not {agenda.length_minutes}; change "
                "a session's minutes or length_minutes",
            )
        )
    return problems


@dataclass(frozen=True)
class ScheduledSession:
    """A session with its clock times."""

    session: Session
    start: str
    end: str
    offset: int  # minutes from the start of the workshop


@dataclass(frozen=True)
class Agenda:
    """The checked agenda, with helpers for the notebooks, the guide and the tests."""

    title: str
    subtitle: str
    length_minutes: int
    start: str
    roles: tuple[FacilitationRole, ...]
    sessions: tuple[Session, ...]
    path: Path

    def session(self, session_id: str) -> Session:
        for s in self.sessions:
            if s.id == session_id:
                return s
        known = ", ".join(s.id for s in self.sessions)
        raise InputError(f"no session '{session_id}' in the agenda; expected one of: {known}")

    def by_notebook(self, stem: str) -> Session | None:
        """The session whose notebook is ``stem`` (``"03_classify_data"``), or None."""
        return next((s for s in self.sessions if s.notebook == stem), None)

    @property
    def notebooks(self) -> list[str]:
        """Notebook stems of every session, planned ones included, in running order."""
        return [s.notebook for s in self.sessions if s.notebook]

    def role(self, role_id: str | None) -> FacilitationRole | None:
        return next((r for r in self.roles if r.id == role_id), None)

    def schedule(self, start: str | None = None) -> list[ScheduledSession]:
        """Every session with its start and end time, from ``start`` (default: the agenda's).

        Raises
        ------
        InputError
            ``start`` is not a clock time such as ``"13:30"``.
        """
        begin = _parse_clock(start or self.start)
        out, offset = [], 0
        for s in self.sessions:
            t0 = begin + timedelta(minutes=offset)
            t1 = t0 + timedelta(minutes=s.minutes)
            out.append(ScheduledSession(s, t0.strftime("%H:%M"), t1.strftime("%H:%M"), offset))
            offset += s.minutes
        return out


def _parse_clock(text: str) -> datetime:
    if not re.fullmatch(r"([01]?\d|2[0-3]):[0-5]\d", text.strip()):
        raise InputError(f"start must be a clock time such as 09:00 or 13:30, not {text!r}")
    return datetime.strptime(text.strip(), "%H:%M")


def load_agenda(path: str | Path | None = None) -> Agenda:
    """Load and check ``exercises/workshop/agenda.yaml`` (or ``path``).

    Raises
    ------
    ContentError
        Any problem, with file, line and field; including sessions that do not add up to
        ``length_minutes``.
    """
    file = Path(path) if path else workshop_file("agenda.yaml")
    data = load_model(file, AgendaFile, _check_agenda)
    return Agenda(
        title=data.title,
        subtitle=data.subtitle,
        length_minutes=data.length_minutes,
        start=data.start,
        roles=tuple(data.facilitation_roles),
        sessions=tuple(data.sessions),
        path=file,
    )


def _duration(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    if hours and mins:
        return f"{hours} h {mins:02d} min"
    return f"{hours} h" if hours else f"{mins} min"


def agenda_table(start: str | None = None, path: str | Path | None = None) -> HtmlBlock:
    """The day as a table: clock time, length, session and what happens.

    Parameters
    ----------
    start
        Clock time the workshop starts (``"13:30"``); default: the agenda's ``start``.
    path
        Another agenda file (for tests and other workshops).
    """
    agenda = load_agenda(path)
    rows = []
    for item in agenda.schedule(start):
        s = item.session
        title = escape(s.title)
        if s.kind == "break":
            title = f"<em>{title}</em>"
        rows.append(
            f"<tr><td>{item.start}–{item.end}</td><td>{s.minutes} min</td>"
            f"<th scope='row'>{title}</th><td>{escape(s.summary)}</td></tr>"
        )
    first = agenda.schedule(start)[0].start
    last = agenda.schedule(start)[-1].end
    html = (
        f'<table class="dsw-agenda"><caption>{escape(agenda.title)}: {first}–{last} '
        f"({_duration(agenda.length_minutes)})</caption>"
        "<thead><tr><th scope='col'>When</th><th scope='col'>Length</th>"
        "<th scope='col'>Session</th><th scope='col'>What happens</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    text = "\n".join(f"{i.start}-{i.end}  {i.session.title}" for i in agenda.schedule(start))
    return HtmlBlock(html, text)


def run_of_show_markdown(start: str | None = None, path: str | Path | None = None) -> str:
    """The run of show as a Markdown table, as in ``facilitator_guide/index.md``.

    The guide's table is written by hand (a facilitator may add notes to it); the tests
    compare its times with the agenda.
    """
    agenda = load_agenda(path)
    lines = [
        "| Start | Minutes | Session | Guide page | Led by |",
        "| --- | --- | --- | --- | --- |",
    ]
    for item in agenda.schedule(start):
        s = item.session
        page = f"[{s.notebook}]({s.notebook}.md)" if s.notebook else "—"
        role = agenda.role(s.led_by)
        lines.append(
            f"| {item.start} | {s.minutes} | {s.title} | {page} | {role.name if role else '—'} |"
        )
    lines.append(f"| {agenda.schedule(start)[-1].end} | **{agenda.length_minutes}** | End | | |")
    return "\n".join(lines)


# --- welcome.yaml ----------------------------------------------------------------------------


class TitledText(Entry):
    title: Text
    text: Text


class Practice(Entry):
    question: Text
    example: Text = Field(description="the piece of data the question is about")
    choices: list[Id] = Field(min_length=2, description="category ids offered as answers")
    answer: Id = Field(description="the right category id; must be one of `choices`")
    right: Text = Field(description="shown when the answer is right")
    wrong: Text = Field(description="shown when it is not")
    source: Source


class WelcomeFile(Entry):
    goals: list[Text] = Field(min_length=1)
    ground_rules: list[TitledText] = Field(min_length=1)
    widget_tips: list[TitledText] = Field(min_length=1)
    practice: Practice

    @field_validator("practice")
    @classmethod
    def _answer_offered(cls, value: Practice) -> Practice:
        if value.answer not in value.choices:
            raise ValueError(f"the answer '{value.answer}' must be one of the choices")
        return value


def load_welcome(path: str | Path | None = None) -> WelcomeFile:
    """Load and check ``exercises/workshop/welcome.yaml``."""
    return load_model(Path(path) if path else workshop_file("welcome.yaml"), WelcomeFile)


def goals() -> HtmlBlock:
    """What participants will be able to do by the end of the day."""
    items = load_welcome().goals
    return HtmlBlock(
        "<p><strong>By the end of the day you will:</strong></p>"
        + bullet_list((escape(g) for g in items), css="dsw-goals"),
        "\n".join(f"- {g}" for g in items),
    )


def _titled_list(items: list[TitledText], css: str) -> HtmlBlock:
    html = bullet_list(
        (f"<strong>{escape(i.title)}.</strong> {escape(i.text)}" for i in items), css=css
    )
    return HtmlBlock(html, "\n".join(f"- {i.title}. {i.text}" for i in items))


def ground_rules() -> HtmlBlock:
    """How we work together today."""
    return _titled_list(load_welcome().ground_rules, "dsw-ground-rules")


def widget_tips() -> HtmlBlock:
    """How to use the notebooks and their buttons."""
    return _titled_list(load_welcome().widget_tips, "dsw-widget-tips")


def facilitation_roles() -> HtmlBlock:
    """Who runs the day, from the agenda's facilitation roles."""
    agenda = load_agenda()
    return _titled_list(
        [TitledText(title=r.name, text=r.does) for r in agenda.roles], "dsw-facilitation-roles"
    )


def practice_question(
    jurisdiction: str = "ct", *, workshop_id: str = "", group: str = "", store_path: str = ""
) -> object:
    """A practice widget: one drop-down, a Check button and a sentence of feedback.

    It shows participants how the breakout widgets behave. With a ``group`` (the room's
    pages) each Check is saved like a breakout answer, so the console can show the room's
    results; without one nothing is saved. The handout shows the question and the choices
    (without the answer).

    Raises
    ------
    ContentError
        The practice question names a category the jurisdiction does not have.
    """
    import ipywidgets as widgets

    from ..content.catalogue import load_catalogue

    cat = load_catalogue(jurisdiction)
    practice = load_welcome().practice
    unknown = [c for c in practice.choices if c not in cat.categories]
    if unknown or practice.source not in cat.sections:
        what = (
            f"unknown categories {', '.join(unknown)}"
            if unknown
            else f"unknown playbook section '{practice.source}'"
        )
        raise ContentError(
            [
                Problem(
                    str(workshop_file("welcome.yaml")),
                    "practice",
                    f"{what} for jurisdiction '{cat.id}'",
                )
            ]
        )
    labels = [(cat.categories[c].name, c) for c in practice.choices]
    choice = widgets.Dropdown(
        options=[("Choose…", None), *labels],
        value=None,
        description="This is:",
        layout=widgets.Layout(width="28rem"),
    )
    check = widgets.Button(description="Check", button_style="primary", icon="check")
    feedback = widgets.HTML()
    link = section_link(cat, practice.source)

    from .saving import WELCOME_PRACTICE, practice_saver

    save = practice_saver(WELCOME_PRACTICE, workshop_id, group, store_path)

    def on_check(_button: object) -> None:
        if choice.value is None:
            feedback.value = "<p>Choose an answer from the list first.</p>"
            return
        right = choice.value == practice.answer
        if right:
            feedback.value = f"<p><strong>Right.</strong> {escape(practice.right)} ({link})</p>"
        else:
            feedback.value = f"<p><strong>Not yet.</strong> {escape(practice.wrong)} ({link})</p>"
        if save is not None:
            text = (
                f"{'Right.' if right else 'Not yet.'} {practice.right if right else practice.wrong}"
            )
            save("practice", {"category": choice.value}, right, text)

    check.on_click(on_check)
    intro = widgets.HTML(
        f"<p>{escape(practice.question)}</p><blockquote>{escape(practice.example)}</blockquote>"
    )

    def static() -> str:
        options = bullet_list(escape(name) for name, _ in labels)
        return (
            '<div class="dsw-practice">'
            f"<p>{escape(practice.question)}</p><blockquote>{escape(practice.example)}</blockquote>"
            f"<p>Choices:</p>{options}"
            "<p><em>In the notebook, pick one and press Check.</em></p></div>"
        )

    box = static_vbox([intro, widgets.HBox([choice, check]), feedback], static)
    # Exposed for tests and for facilitators demonstrating the widget from code.
    box.choice, box.check, box.feedback = choice, check, feedback
    return box
