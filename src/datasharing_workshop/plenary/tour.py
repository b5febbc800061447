"""The playbook tour (notebook 02) and the take-home points (the wrap-up notebook).

The tour's words live in ``exercises/<jurisdiction>/tour.yaml``: stops (roles, documentation,
bias, the path from a request to a transfer, who to ask), each point citing its playbook
section. Role descriptions come from the jurisdiction's ``roles.yaml``, so the tour and the
rest of the kit describe each role the same way. A jurisdiction that ``extends`` another
and has no ``tour.yaml`` of its own uses its parent's.

In a notebook::

    from datasharing_workshop.plenary.tour import load_tour
    tour = load_tour(jurisdiction)
    tour.stop("roles")
    tour.who_to_ask_quiz()
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import Field

from ..content.catalogue import Catalogue, load_catalogue
from ..content.models import Basis, Entry, Id, Source, Text
from ..content.workshop import load_model, unique_ids
from ..content.yaml_source import YamlDocument, display_path, read_yaml
from ..errors import ContentError, InputError, Problem
from .display import HtmlBlock, bullet_list, escape, section_link, static_vbox

__all__ = ["Tour", "load_tour"]


class TourPoint(Entry):
    text: Text
    source: Source


class PathStep(Entry):
    id: Id
    title: Text
    who: Text = Field(description="who does this step, in words")
    roles: list[Id] = Field([], description="role ids from roles.yaml involved in this step")
    text: Text
    source: Source
    practiced_in: str | None = Field(
        None, description="notebook (stem) where the workshop practices this step"
    )


class TourStop(Entry):
    id: Id
    title: Text
    intro: Text
    roles: list[Id] = Field([], description="role ids from roles.yaml to present")
    points: list[TourPoint] = Field([], description="what to say, each with its source")
    steps: list[PathStep] = Field([], description="steps of a path, in order")
    discuss: str = Field("", description="a question for the room")


class Takeaway(Entry):
    text: Text
    source: Source


class GlossaryTerm(Entry):
    term: Text
    meaning: Text = Field(description="what the term means, in plain words for a newcomer")
    basis: Basis
    source: Source


class TourFile(Entry):
    stops: list[TourStop] = Field(min_length=1)
    takeaways: list[Takeaway] = Field(min_length=1)
    glossary: list[GlossaryTerm] = Field([], description="words a newcomer meets, A to Z")


def tour_path(cat: Catalogue) -> Path:
    """``tour.yaml`` of the jurisdiction, or of the jurisdiction it extends."""
    own = cat.folder / "tour.yaml"
    if own.exists() or not cat.jurisdiction.extends:
        return own
    return cat.folder.parent / cat.jurisdiction.extends / "tour.yaml"


def _check_refs(cat: Catalogue, doc: YamlDocument, tour: TourFile) -> list[Problem]:
    from .agenda import load_agenda

    problems = unique_ids(doc, "stops", tour.stops)
    sections = cat.sections
    try:
        notebooks: list[str] | None = load_agenda().notebooks
    except ContentError:
        notebooks = None  # the agenda's own problems are reported when it is loaded

    def ref(loc: tuple, value: str, known, what: str) -> None:
        if value not in known:
            problems.append(
                doc.problem(loc, f"unknown {what} '{value}'; expected one of: {', '.join(known)}")
            )

    for i, stop in enumerate(tour.stops):
        loc = ("stops", i)
        for k, role in enumerate(stop.roles):
            ref((*loc, "roles", k), role, cat.roles, "role")
        for k, point in enumerate(stop.points):
            ref((*loc, "points", k, "source"), point.source, sections, "playbook section")
        seen: set[str] = set()
        for k, step in enumerate(stop.steps):
            if step.id in seen:
                problems.append(doc.problem((*loc, "steps", k, "id"), f"duplicate id '{step.id}'"))
            seen.add(step.id)
            ref((*loc, "steps", k, "source"), step.source, sections, "playbook section")
            for r, role in enumerate(step.roles):
                ref((*loc, "steps", k, "roles", r), role, cat.roles, "role")
            if step.practiced_in is not None and notebooks is not None:
                ref((*loc, "steps", k, "practiced_in"), step.practiced_in, notebooks, "notebook")
    for k, item in enumerate(tour.takeaways):
        ref(("takeaways", k, "source"), item.source, sections, "playbook section")
    for k, term in enumerate(tour.glossary):
        ref(("glossary", k, "source"), term.source, sections, "playbook section")
    return problems


@dataclass(frozen=True)
class Tour:
    """A jurisdiction's tour, checked against its catalogue."""

    catalogue: Catalogue
    stops: tuple[TourStop, ...]
    takeaway_items: tuple[Takeaway, ...]
    path: Path
    glossary_items: tuple[GlossaryTerm, ...] = ()

    def _stop(self, stop_id: str) -> TourStop:
        for s in self.stops:
            if s.id == stop_id:
                return s
        known = ", ".join(s.id for s in self.stops)
        raise InputError(f"no tour stop '{stop_id}' in {self.path}; expected one of: {known}")

    def sections(self) -> list[str]:
        """Every playbook section id the tour cites, in order of first use."""
        found: list[str] = []
        for stop in self.stops:
            found += [p.source for p in stop.points] + [s.source for s in stop.steps]
        found += [t.source for t in self.takeaway_items]
        return list(dict.fromkeys(found))

    def stop(self, stop_id: str, *, with_title: bool = False) -> HtmlBlock:
        """One stop of the tour as static HTML: intro, roles, steps, points, a question.

        The notebook gives each stop its own Markdown heading, so the stop's title is left
        out unless ``with_title`` is true.
        """
        from .agenda import load_agenda

        stop = self._stop(stop_id)
        cat = self.catalogue
        parts = [f'<section class="dsw-tour-stop" id="tour-{escape(stop.id)}">']
        if with_title:
            parts.append(f"<h3>{escape(stop.title)}</h3>")
        parts.append(f"<p>{escape(stop.intro)}</p>")
        text = [stop.title, stop.intro]
        if stop.roles:
            rows = []
            for role_id in stop.roles:
                role = cat.roles[role_id]
                asks = "; ".join(role.ask_them_about)
                rows.append(
                    f"<tr><th scope='row'>{escape(role.name)}</th><td>{escape(role.does)}</td>"
                    f"<td>{escape(asks)}</td></tr>"
                )
                text.append(f"- {role.name}: {role.does}")
            sources = {cat.roles[r].source for r in stop.roles}
            parts.append(
                '<table class="dsw-roles"><thead><tr><th scope="col">Role</th>'
                '<th scope="col">What they do</th><th scope="col">Ask them about</th></tr>'
                f"</thead><tbody>{''.join(rows)}</tbody></table>"
                f"<p class='dsw-source'>Playbook: "
                f"{', '.join(section_link(cat, s) for s in sorted(sources))}</p>"
            )
        if stop.steps:
            agenda = load_agenda()
            items = []
            for number, step in enumerate(stop.steps, 1):
                practiced = ""
                session = agenda.by_notebook(step.practiced_in) if step.practiced_in else None
                if session is not None:
                    stop_mark = "" if session.title[-1:] in ".?!" else "."
                    practiced = f" <em>Practiced in: {escape(session.title)}{stop_mark}</em>"
                items.append(
                    f"<strong>{escape(step.title)}</strong> ({escape(step.who)}). "
                    f"{escape(step.text)}{practiced} "
                    f"<span class='dsw-source'>Playbook: {section_link(cat, step.source)}</span>"
                )
                text.append(f"{number}. {step.title} ({step.who}). {step.text}")
            parts.append(bullet_list(items, ordered=True, css="dsw-path"))
        if stop.points:
            parts.append(
                bullet_list(
                    (
                        f"{escape(p.text)} <span class='dsw-source'>Playbook: "
                        f"{section_link(cat, p.source)}</span>"
                    )
                    for p in stop.points
                )
            )
            text += [f"- {p.text}" for p in stop.points]
        if stop.discuss:
            parts.append(f"<p><strong>Talk about it:</strong> {escape(stop.discuss)}</p>")
            text.append(f"Talk about it: {stop.discuss}")
        parts.append("</section>")
        return HtmlBlock("".join(parts), "\n".join(text))

    def quiz_questions(self) -> list[tuple[str, str]]:
        """``(question, role id)`` pairs for the who-to-ask quiz, one per role.

        Built from ``roles.yaml``'s ``ask_them_about``, so a jurisdiction that changes its
        roles changes the quiz with them.
        """
        pairs = [
            (f"Who would you ask about {role.ask_them_about[0]}?", role.id)
            for role in self.catalogue.roles.values()
        ]
        # Alphabetical, so the questions do not follow the order of the roles table above.
        return sorted(pairs)

    def who_to_ask_quiz(
        self, *, workshop_id: str = "", group: str = "", store_path: str = ""
    ) -> object:
        """A widget: one drop-down of roles per question, one Check button, feedback per line.

        With a ``group`` (the room's pages) each answered question is saved like a
        breakout answer, for the console's room-wide results; without one nothing is saved.
        The handout shows the questions with the roles
        to choose from (and, for the facilitator, nothing more: the answers are in the
        guide page of this notebook).
        """
        import ipywidgets as widgets

        cat = self.catalogue
        options = [("Choose…", None)] + [(r.name, r.id) for r in cat.roles.values()]
        rows, pickers, marks = [], [], []
        for question, _role in self.quiz_questions():
            picker = widgets.Dropdown(options=options, value=None, layout={"width": "18rem"})
            mark = widgets.HTML()
            pickers.append(picker)
            marks.append(mark)
            rows.append(
                widgets.HBox(
                    [widgets.HTML(f"{escape(question)}", layout={"width": "26rem"}), picker, mark]
                )
            )
        check = widgets.Button(description="Check", button_style="primary", icon="check")
        summary = widgets.HTML()

        from .saving import TOUR_QUIZ, practice_saver

        save = practice_saver(TOUR_QUIZ, workshop_id, group, store_path)

        def on_check(_button: object) -> None:
            right = 0
            for number, ((_question, role_id), picker, mark) in enumerate(
                zip(self.quiz_questions(), pickers, marks, strict=True), start=1
            ):
                if picker.value is not None and save is not None:
                    ok = picker.value == role_id
                    save(f"q{number}", {"role": picker.value}, ok, "Right." if ok else "Not yet.")
                if picker.value is None:
                    mark.value = "<span>Choose a role.</span>"
                elif picker.value == role_id:
                    right += 1
                    mark.value = "<span><strong>Right.</strong></span>"
                else:
                    mark.value = (
                        f"<span><strong>Not yet.</strong> Try again: read what the "
                        f"{escape(cat.roles[picker.value].name.lower())} does above.</span>"
                    )
            total = len(pickers)
            role_source = next(iter(cat.roles.values())).source
            summary.value = (
                f"<p>{right} of {total} right. Playbook: {section_link(cat, role_source)}</p>"
            )

        check.on_click(on_check)

        def static() -> str:
            roles = ", ".join(escape(r.name) for r in cat.roles.values())
            questions = bullet_list(escape(q) for q, _ in self.quiz_questions())
            return (
                '<div class="dsw-quiz"><p><strong>Who would you ask?</strong> For each '
                f"question, pick one of: {roles}.</p>{questions}</div>"
            )

        box = static_vbox([*rows, check, summary], static)
        box.pickers, box.check, box.summary = pickers, check, summary
        return box

    def takeaways(self) -> HtmlBlock:
        """What to remember tomorrow morning, each with its playbook section."""
        cat = self.catalogue
        items = [
            f"{escape(t.text)} <span class='dsw-source'>Playbook: {section_link(cat, t.source)}"
            "</span>"
            for t in self.takeaway_items
        ]
        return HtmlBlock(
            bullet_list(items, css="dsw-takeaways"),
            "\n".join(f"- {t.text}" for t in self.takeaway_items),
        )

    def glossary(self) -> HtmlBlock:
        """The glossary card: every term a newcomer meets, with whose definition it is."""
        cat = self.catalogue
        rows = []
        for t in self.glossary_items:
            whose = (
                f"Playbook: {section_link(cat, t.source)}"
                if t.basis == "playbook"
                else f"The workshop's own explanation; see {section_link(cat, t.source)}"
            )
            rows.append(
                f"<dt><strong>{escape(t.term)}</strong></dt><dd>{escape(t.meaning)} "
                f"<span class='dsw-source'>{whose}</span></dd>"
            )
        html = "<dl class='dsw-glossary'>" + "".join(rows) + "</dl>"
        return HtmlBlock(html, "\n".join(f"- {t.term}: {t.meaning}" for t in self.glossary_items))


def load_tour(jurisdiction: str = "ct") -> Tour:
    """Load and check the tour of ``jurisdiction``.

    Raises
    ------
    ContentError
        The file is missing or malformed, or cites a section, role or notebook that does
        not exist; every problem is listed with file, line and field.
    """
    cat = load_catalogue(jurisdiction)
    path = tour_path(cat)
    if not path.exists():
        raise ContentError(
            [
                Problem(
                    display_path(path),
                    "",
                    "missing: the playbook tour needs a tour.yaml (copy exercises/ct/tour.yaml "
                    "and change the facts)",
                )
            ]
        )
    data = load_model(path, TourFile)
    problems = _check_refs(cat, read_yaml(path), data)
    if problems:
        raise ContentError(problems)
    return Tour(cat, tuple(data.stops), tuple(data.takeaways), path, tuple(data.glossary))
