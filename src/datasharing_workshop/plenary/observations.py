"""The observation form: observers ("flies on the wall") and participants note what in the
playbook helped and what got in the way.

Notes are saved in the answer store next to the groups' answers
(:meth:`~datasharing_workshop.store.AnswerStore.record_observation`); the report-back
exports them as Markdown grouped by playbook section (:mod:`.reportback.feedback`).

The form's wording, the author roles and the severities are in
``exercises/workshop/observations.yaml``. The Save button calls :func:`save_observation`,
and so does ``datasharing-workshop simulate``: there is one way a note gets into the store.

In a notebook::

    from datasharing_workshop.plenary.observations import observation_form
    observation_form(workshop_id, group=group, store_path=store_path, jurisdiction=jurisdiction)
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ..content.catalogue import load_catalogue
from ..content.models import Entry, Id, Text
from ..content.workshop import load_model, unique_ids, workshop_file
from ..content.yaml_source import YamlDocument
from ..errors import InputError, KitError, Problem
from ..store import SEVERITIES, AnswerStore, Observation
from .display import bullet_list, escape, static_vbox

__all__ = [
    "MAX_TEXT_LENGTH",
    "ObservationFormFile",
    "load_form",
    "observation_form",
    "save_observation",
]

#: Longest text accepted in one field: an issue body on GitHub must stay readable, and
#: a pasted document is more likely a mistake than a note.
MAX_TEXT_LENGTH = 4000

#: ``playbook_section`` value for a note about the workshop rather than one section.
GENERAL = ""


class Choice(Entry):
    id: Id
    label: Text


class Severity(Entry):
    id: Id
    label: Text
    meaning: Text = Field(description="when to choose this level")


class FieldText(Entry):
    label: Text
    placeholder: str = ""


class FormFields(Entry):
    worked: FieldText
    confused: FieldText
    suggestion: FieldText


class IssueSettings(Entry):
    title_prefix: Text = "Workshop feedback"
    labels: list[str] = Field([], description="labels for the prefilled issue link")


class ObservationFormFile(Entry):
    author_roles: list[Choice] = Field(min_length=1)
    severities: list[Severity] = Field(min_length=1)
    fields: FormFields
    issue: IssueSettings = IssueSettings()


def _check_form(doc: YamlDocument, form: ObservationFormFile) -> list[Problem]:
    problems = unique_ids(doc, "author_roles", form.author_roles)
    problems += unique_ids(doc, "severities", form.severities)
    ids = [s.id for s in form.severities]
    if sorted(ids) != sorted(SEVERITIES):
        problems.append(
            doc.problem(
                ("severities",),
                f"the severities must be exactly {', '.join(SEVERITIES)} (the levels the answer "
                f"store accepts), got {', '.join(ids)}",
            )
        )
    return problems


def load_form(path: str | Path | None = None) -> ObservationFormFile:
    """Load and check ``exercises/workshop/observations.yaml``."""
    file = Path(path) if path else workshop_file("observations.yaml")
    return load_model(file, ObservationFormFile, _check_form)


def save_observation(
    store: AnswerStore,
    *,
    workshop: str,
    author_role: str,
    playbook_section: str,
    severity: str,
    group: str = "",
    worked: str = "",
    confused: str = "",
    suggestion: str = "",
    jurisdiction: str = "ct",
) -> Observation:
    """Check one note and save it. The form's Save button and the simulator both call this.

    Parameters
    ----------
    store
        The answer store.
    workshop
        The workshop the note belongs to.
    author_role
        An author role id from ``observations.yaml`` (``observer``, ``participant``...).
    playbook_section
        A section id of the jurisdiction's playbook, or ``""`` for a note about the
        workshop in general.
    severity
        A severity id (``low``, ``medium``, ``high``).
    group
        The group watched, or ``""`` for the whole room.
    worked, confused, suggestion
        Free text; at least one must say something.
    jurisdiction
        Whose playbook sections ``playbook_section`` is checked against.

    Returns
    -------
    Observation
        The note as saved.

    Raises
    ------
    InputError
        Unknown role, section or severity, all three texts empty, or a text too long; the
        message says what to change.
    StoreError
        The store cannot be written.
    """
    form = load_form()
    roles = [r.id for r in form.author_roles]
    if author_role not in roles:
        raise InputError(
            f"unknown author role {author_role!r}; expected one of: {', '.join(roles)}"
        )
    severities = [s.id for s in form.severities]
    if severity not in severities:
        raise InputError(
            f"choose how serious it is: one of {', '.join(severities)} (got {severity!r})"
        )
    cat = load_catalogue(jurisdiction)
    if playbook_section != GENERAL and playbook_section not in cat.sections:
        raise InputError(
            f"unknown playbook section {playbook_section!r} for {cat.jurisdiction.name}; choose "
            "one from the list"
        )
    texts = {"worked": worked, "confused": confused, "suggestion": suggestion}
    for name, value in texts.items():
        if not isinstance(value, str):
            raise InputError(f"{name} must be text, not {type(value).__name__}")
        if len(value) > MAX_TEXT_LENGTH:
            raise InputError(
                f"'{getattr(form.fields, name).label}' is {len(value)} characters long; keep it "
                f"under {MAX_TEXT_LENGTH} (a few sentences is plenty)"
            )
    texts = {name: value.strip() for name, value in texts.items()}
    if not any(texts.values()):
        labels = [
            form.fields.worked.label,
            form.fields.confused.label,
            form.fields.suggestion.label,
        ]
        raise InputError(f"write something in at least one box: {', '.join(labels)}")
    return store.record_observation(
        workshop=workshop,
        group=group.strip(),
        author_role=author_role,
        playbook_section=playbook_section,
        severity=severity,
        **texts,
    )


def section_options(jurisdiction: str = "ct") -> list[tuple[str, str | None]]:
    """``(label, value)`` pairs for the section drop-down, in playbook order."""
    cat = load_catalogue(jurisdiction)
    return [
        ("Choose a playbook section…", None),
        *((s.title, s.id) for s in cat.jurisdiction.sections),
        ("Not about one section (the workshop in general)", GENERAL),
    ]


def observation_form(
    workshop_id: str = "",
    *,
    group: str = "",
    store_path: str | Path = "",
    jurisdiction: str = "ct",
    author_role: str = "observer",
) -> object:
    """The observation form as a widget, with a printable version for the handouts.

    Parameters
    ----------
    workshop_id
        The workshop the notes belong to.
    group
        The group being watched (the observer can change it in the form); ``""`` for the
        whole room.
    store_path
        The answer store; blank means ``$DATASHARING_WORKSHOP_STORE`` or the default.
    jurisdiction
        Whose playbook sections to offer.
    author_role
        Preselected author role (``observer`` in breakouts, ``participant`` at the wrap-up).

    Returns
    -------
    ipywidgets.VBox
        With attributes ``section``, ``role``, ``group``, ``worked``, ``confused``,
        ``suggestion``, ``severity``, ``save`` (the button) and ``status``, so a test or a
        facilitator's demo can fill it in from code.
    """
    if not workshop_id:  # one workshop name everywhere: the one in workshop.yml
        from ..content.workshop_name import configured_workshop_id

        workshop_id = configured_workshop_id()
    import ipywidgets as widgets

    form = load_form()
    cat = load_catalogue(jurisdiction)
    store = AnswerStore(store_path or None)
    roles = [(r.label, r.id) for r in form.author_roles]
    wide = widgets.Layout(width="40rem")
    section = widgets.Dropdown(
        options=section_options(jurisdiction), value=None, description="Section", layout=wide
    )
    role = widgets.Dropdown(
        options=roles,
        value=author_role if author_role in dict((v, k) for k, v in roles) else roles[0][1],
        description="I am",
        layout=wide,
    )
    group_box = widgets.Text(
        value=group, description="Group", placeholder="the group you watched, or blank"
    )

    def area(spec: FieldText) -> widgets.Textarea:
        return widgets.Textarea(
            description=spec.label,
            placeholder=spec.placeholder,
            layout=widgets.Layout(width="40rem", height="5rem"),
            style={"description_width": "10rem"},
        )

    worked = area(form.fields.worked)
    confused = area(form.fields.confused)
    suggestion = area(form.fields.suggestion)
    severity = widgets.ToggleButtons(
        options=[(s.label, s.id) for s in form.severities],
        value=None,
        description="How serious",
        tooltips=[s.meaning for s in form.severities],
    )
    meanings = widgets.HTML(
        bullet_list(
            f"<strong>{escape(s.label)}</strong>: {escape(s.meaning)}" for s in form.severities
        )
    )
    save = widgets.Button(description="Save note", button_style="primary", icon="save")
    status = widgets.HTML()

    def on_save(_button: object) -> None:
        if section.value is None:
            status.value = "<p>Choose the playbook section the note is about.</p>"
            return
        if severity.value is None:
            status.value = "<p>Choose how serious it is.</p>"
            return
        try:
            saved = save_observation(
                store,
                workshop=workshop_id,
                author_role=role.value,
                playbook_section=section.value,
                severity=severity.value,
                group=group_box.value,
                worked=worked.value,
                confused=confused.value,
                suggestion=suggestion.value,
                jurisdiction=jurisdiction,
            )
        except KitError as exc:
            message = str(exc)
            status.value = (
                f"<p><strong>Not saved.</strong> {escape(message[:1].upper() + message[1:])}</p>"
            )
            return
        for box in (worked, confused, suggestion):
            box.value = ""
        severity.value = None
        where = (
            cat.sections[saved.playbook_section].title
            if saved.playbook_section
            else ("the workshop in general")
        )
        status.value = (
            f"<p><strong>Saved.</strong> Your note on “{escape(where)}” will be in the "
            "report-back. Thank you. Add another whenever you like.</p>"
        )

    save.on_click(on_save)
    intro = widgets.HTML(
        "<p>Note what in the playbook helped and what got in the way. Write what you heard, "
        "not who said it.</p>"
    )

    def static() -> str:
        return printable_form(jurisdiction)

    box = static_vbox(
        [
            intro,
            section,
            role,
            group_box,
            worked,
            confused,
            suggestion,
            severity,
            meanings,
            save,
            status,
        ],
        static,
    )
    box.section, box.role, box.group, box.severity = section, role, group_box, severity
    box.worked, box.confused, box.suggestion = worked, confused, suggestion
    box.save, box.status, box.store = save, status, store
    return box


def printable_form(jurisdiction: str = "ct") -> str:
    """The observation form on paper: the static rendering handouts print.

    Observers who prefer pen and paper fill it in and the note taker types the notes in
    afterwards.
    """
    form = load_form()
    cat = load_catalogue(jurisdiction)
    blank = '<div class="dsw-blank" style="border-bottom:1px solid #000;height:4em"></div>'
    roles = " · ".join(f"☐ {escape(r.label)}" for r in form.author_roles)
    severities = bullet_list(
        f"☐ <strong>{escape(s.label)}</strong>: {escape(s.meaning)}" for s in form.severities
    )
    sections = bullet_list(
        f"<code>{escape(s.id)}</code>: {escape(s.title)}" for s in cat.jurisdiction.sections
    )
    fields = "".join(
        f"<p><strong>{escape(f.label)}</strong><br><small>{escape(f.placeholder)}</small></p>{blank}"
        for f in (form.fields.worked, form.fields.confused, form.fields.suggestion)
    )
    return (
        '<div class="dsw-observation-form"><h4>Observation form</h4>'
        "<p>Note what in the playbook helped and what got in the way. Write what you heard, not "
        "who said it.</p>"
        f"<p><strong>Playbook section:</strong> ____________________ "
        f"<strong>Group:</strong> __________</p><p><strong>I am:</strong> {roles}</p>"
        f"{fields}<p><strong>How serious</strong></p>{severities}"
        f"<details open><summary>Playbook sections</summary>{sections}</details></div>"
    )
