"""What every breakout exercise shares: the exercise box, feedback, and saving answers.

An exercise is one scenario of one breakout, shown as an :class:`ExerciseBox` (a small
``ipywidgets.VBox``). Its mimebundle carries three things the handout builder relies on:

* ``application/vnd.jupyter.widget-view+json``: the live widget (JupyterLab, Voilà);
* ``text/html``: a static rendering of its current state (scenario, data, answers,
  feedback), which nbconvert shows wherever the widget cannot run;
* :data:`MARKER_MIME`: ``{"exercise": ..., "scenario": ..., "title": ...}``, so the builder
  can find each exercise's output without parsing HTML.

A breakout module builds the controls and an ``evaluate()`` function that turns their
values into an :class:`Evaluation` (pure: no widgets, no store); :func:`exercise_box` wires
the Check button to it, shows the feedback and calls ``on_check`` (normally
:func:`answer_saver`, which writes one row to the answer store).

Wording: the sentences that carry playbook facts come from the catalogue and the scenario
files. The few words defined here (:data:`MARKS`, button and heading labels) are interface
labels only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import ipywidgets as widgets

from ..breakouts.base import (
    DEFAULT_SET,
    Evaluation,
    escape,
    link,
    save_attempt,
)
from ..content.dates import format_moment
from ..errors import InputError, KitError
from ..store import AnswerRecord, AnswerStore, resolve_store_path
from .shared_models import shared_default_models

#: Mime type of the marker the handout builder looks for in each exercise's output.
MARKER_MIME = "application/vnd.datasharing-workshop.exercise+json"
#: Mime type of a live widget view (ipywidgets' own).
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

CHECK_LABEL = "Check"
CHECK_TOOLTIP = "Check your answers and see feedback"

# Lets long option labels (channel names, step sentences) wrap instead of being cut off
# with "…": ipywidgets gives checkbox labels `white-space: nowrap` and radio labels a fixed
# height. Scoped to `.dsw-exercise` so nothing else on the page changes. Both the 7.x and
# the 8.x class names are listed.
#
# Two rules make up for JupyterLab's and Voilà's stylesheets, which the kit's HTML lands in:
# * Table cells: HTML outputs get `:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td
#   {text-align: right}` (meant for numbers), which outranks `.dsw-table td`, so the guide's
#   sentences were ragged on the left and hard to read; `!important` is the plain way to win.
# * Links: JupyterLab resets `a` to the text's own colour with no underline, so inside a
#   widget the playbook links looked like plain text, and in HTML outputs (the guides)
#   `.jp-RenderedHTMLCommon a:link` removes the underline and leaves a blue that differs
#   from the text by 1.8:1 only (WCAG 1.4.1 wants more than colour). They get the theme's
#   link colour and an underline, again with `!important` to outrank those rules.
CSS = """
.dsw-exercise { max-width: 64em; }
.dsw-exercise .widget-checkbox, .dsw-exercise .jupyter-widget-checkbox {
  width: auto; height: auto; }
.dsw-exercise .widget-checkbox .widget-label-basic,
.dsw-exercise .jupyter-widget-checkbox .widget-label-basic {
  white-space: normal; overflow: visible; line-height: 1.4; }
.dsw-exercise .widget-radio-box label, .dsw-exercise .jupyter-widget-radio-box label {
  height: auto; line-height: 1.4; white-space: normal; margin-bottom: 0.35em; }
.dsw-table { border-collapse: collapse; margin: 0.5em 0; }
.dsw-table th, .dsw-table td {
  border: 1px solid #888; padding: 0.25em 0.5em; text-align: left !important;
  vertical-align: top; }
.dsw-exercise a, .dsw-guide a, .dsw-answer-key a {
  color: var(--jp-content-link-color, #0d47a1); text-decoration: underline !important; }
.dsw-feedback ul { padding-left: 1.2em; }
.dsw-feedback li { margin-bottom: 0.4em; }
"""


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ExerciseSettings:
    """The notebook's parameters, as every exercise needs them.

    Parameters
    ----------
    workshop_id
        Name of this run of the workshop; answers are saved under it.
    group
        The group's name. Empty (the participant handout, a pre-read copy) means answers
        are checked but never saved.
    scenario_set
        Folder of scenarios under ``exercises/<jurisdiction>/scenarios/``.
    store_path
        The answer store file; empty means workshop.yml's ``store_path``, else
        ``$DATASHARING_WORKSHOP_STORE`` or the default.
    jurisdiction
        Catalogue id (``ct``) or folder.
    """

    workshop_id: str = ""
    group: str = ""
    scenario_set: str = DEFAULT_SET
    store_path: str = ""
    jurisdiction: str = "ct"

    def __post_init__(self) -> None:
        for name in ("workshop_id", "group", "scenario_set", "store_path", "jurisdiction"):
            value = getattr(self, name)
            if value is None:
                object.__setattr__(self, name, "")
            elif not isinstance(value, str):
                raise InputError(f"{name} must be text, not {type(value).__name__} ({value!r})")
        object.__setattr__(self, "group", self.group.strip())
        object.__setattr__(self, "workshop_id", self.workshop_id.strip())
        if self.group and not self.workshop_id:
            # One workshop name everywhere: the one in workshop.yml.
            from ..content.workshop_name import configured_workshop_id

            object.__setattr__(self, "workshop_id", configured_workshop_id())
        if self.saving and not self.workshop_id:
            raise InputError(
                "workshop_id is empty: set it in the notebook's parameters cell so the "
                f"answers of group '{self.group}' can be saved under a workshop name"
            )
        if not self.scenario_set.strip():
            object.__setattr__(self, "scenario_set", DEFAULT_SET)
        if not self.jurisdiction.strip():
            object.__setattr__(self, "jurisdiction", "ct")

    @property
    def saving(self) -> bool:
        """Whether answers are saved: only when a group name is given."""
        return bool(self.group)

    @property
    def store_file(self) -> Path:
        return resolve_store_path(self.store_path).absolute()


# One connection per store file per kernel, shared by every exercise in it.
_STORES: dict[Path, AnswerStore] = {}


def store_for(settings: ExerciseSettings) -> AnswerStore:
    path = settings.store_file
    store = _STORES.get(path)
    if store is None:
        store = _STORES[path] = AnswerStore(path)
    return store


def close_stores() -> None:
    """Close every store connection the exercises opened in this kernel (tests, benchmarks)."""
    while _STORES:
        _STORES.popitem()[1].close()


def saved_answer(
    settings: ExerciseSettings, exercise: str, scenario_id: str
) -> AnswerRecord | None:
    """The group's latest saved attempt at one scenario, if any.

    Never creates a store: a missing file simply means nothing was saved yet.

    Raises
    ------
    StoreError
        The file exists but cannot be read.
    """
    if not settings.saving or not settings.store_file.exists():
        return None
    return store_for(settings).latest_answer(
        settings.workshop_id, settings.group, exercise, scenario_id
    )


# --------------------------------------------------------------------------- feedback


def saved_feedback_html(record: AnswerRecord) -> str:
    """Show a saved attempt's feedback, escaped, one paragraph per line."""
    when = _local_time(record.recorded_at)
    lines = "\n".join(f"<p>{escape(line)}</p>" for line in record.feedback.splitlines() if line)
    return (
        '<div class="dsw-feedback dsw-saved" role="status">\n'
        f"<p><strong>Your group's last check</strong> (saved {escape(when)}). "
        "Press Check again to see it with links to the playbook.</p>\n"
        f"{lines}\n</div>"
    )


def _local_time(iso: str) -> str:
    try:
        return format_moment(datetime.fromisoformat(iso).astimezone())
    except ValueError:
        return iso


# --------------------------------------------------------------------------- saving


def answer_saver(
    settings: ExerciseSettings, exercise: str, scenario_id: str
) -> Callable[[Evaluation], str]:
    """Return the ``on_check`` callback that saves each attempt and says what happened.

    The callback returns a short HTML status. Nothing is written when the group is empty;
    a store that cannot be written is reported in the status, not raised, because an
    exception in a button callback would vanish into the kernel log.
    """

    def save(evaluation: Evaluation) -> str:
        if not settings.saving:
            return (
                "<p>ℹ Not saved: this copy has no group name. The feedback above is "
                "still yours to read.</p>"
            )
        try:
            record = save_attempt(
                store_for(settings),
                workshop=settings.workshop_id,
                group=settings.group,
                exercise=exercise,
                scenario=scenario_id,
                evaluation=evaluation,
            )
        except KitError as error:
            return f"<p>✘ Not saved: {escape(error)}</p>"
        except Exception as error:  # anything else must still say so, never pass silently
            return (
                f"<p>✘ Not saved: {escape(type(error).__name__)}: {escape(error)}. Your "
                "answer is still in the page; press Check again or tell a facilitator.</p>"
            )
        return (
            f"<p>✔ Saved for {escape(settings.group)} at "
            f"{escape(_local_time(record.recorded_at))}.</p>"
        )

    return save


# --------------------------------------------------------------------------- the box


class ExerciseBox(widgets.VBox):
    """One scenario's exercise: a VBox whose mimebundle also carries HTML and a marker.

    Attributes
    ----------
    exercise, scenario_id, title
        What the marker says.
    check_button, feedback, save_status
        The Check button, the feedback panel and the "saved" line under it.
    last_evaluation
        The verdict of the latest Check in this session (``None`` before any).
    saved
        The group's saved attempt this exercise was pre-filled from, if any.
    """

    def __init__(
        self,
        children: Sequence[widgets.Widget],
        *,
        exercise: str,
        scenario_id: str,
        title: str,
        check_button: widgets.Button,
        feedback: widgets.HTML,
        save_status: widgets.HTML,
        evaluate: Callable[[], Evaluation],
        on_check: Callable[[Evaluation], str] | None,
        render_static: Callable[[ExerciseBox], str],
        show_marks: Callable[[Evaluation], None] | None = None,
        saved: AnswerRecord | None = None,
    ):
        super().__init__(children=list(children))
        self.add_class("dsw-exercise")
        self.exercise = exercise
        self.scenario_id = scenario_id
        self.title = title
        self.check_button = check_button
        self.feedback = feedback
        self.save_status = save_status
        self.saved = saved
        self.last_evaluation: Evaluation | None = None
        self._evaluate = evaluate
        self._on_check = on_check
        self._render_static = render_static
        self._show_marks = show_marks
        check_button.on_click(lambda _button: self.check())

    def check(self) -> Evaluation:
        """What pressing Check does: evaluate, show the feedback, save."""
        evaluation = self._evaluate()
        self.last_evaluation = evaluation
        if evaluation.blank:  # nothing chosen: ask for an answer, reveal nothing, save nothing
            self.feedback.value = (
                f'<div class="dsw-feedback" role="status"><p class="dsw-summary">'
                f"<strong>{escape(evaluation.feedback.summary)}</strong></p></div>"
            )
            self.save_status.value = ""
            return evaluation
        self.feedback.value = evaluation.feedback.html()
        if self._show_marks is not None:
            self._show_marks(evaluation)
        if self._on_check is not None:
            try:
                self.save_status.value = self._on_check(evaluation)
            except Exception as error:  # a callback's exception would vanish in the kernel log
                self.save_status.value = f"<p>✘ Not saved: {escape(error)}</p>"
        return evaluation

    @property
    def marker(self) -> dict[str, str]:
        return {"exercise": self.exercise, "scenario": self.scenario_id, "title": self.title}

    def static_html(self) -> str:
        """The handout rendering of the current state (no scripts, all text escaped)."""
        return self._render_static(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any] | None:
        data = super()._repr_mimebundle_(**kwargs)
        if data is None:  # the widget was closed: nothing live left to show
            return None
        data["text/plain"] = f"Exercise: {self.title} ({self.exercise}, {self.scenario_id})"
        data["text/html"] = self.static_html()
        data[MARKER_MIME] = self.marker
        return data


def exercise_box(
    *,
    exercise: str,
    scenario_id: str,
    title: str,
    header: Sequence[widgets.Widget],
    controls: Sequence[widgets.Widget],
    evaluate: Callable[[], Evaluation],
    on_check: Callable[[Evaluation], str] | None,
    render_static: Callable[[ExerciseBox], str],
    show_marks: Callable[[Evaluation], None] | None = None,
    saved: AnswerRecord | None = None,
    saved_problem: str = "",
) -> ExerciseBox:
    """Assemble an exercise: header, controls, Check button, feedback, save status.

    Parameters
    ----------
    header, controls
        Widgets shown above the Check button, in order.
    evaluate
        Reads the controls and returns the verdict; called on every Check.
    on_check
        Called with each verdict (to save it); returns an HTML status line.
    render_static
        Renders the box's current state as static HTML for handouts.
    show_marks
        Optional: updates per-control marks after a Check.
    saved
        A saved attempt to show (its answers must already be set on the controls).
    saved_problem
        A message to show when saved answers could not be read.
    """
    button = widgets.Button(
        description=CHECK_LABEL, tooltip=CHECK_TOOLTIP, button_style="", icon="check"
    )
    feedback = widgets.HTML(value=saved_feedback_html(saved) if saved else "")
    status = widgets.HTML(value=f"<p>✘ {escape(saved_problem)}</p>" if saved_problem else "")
    style = widgets.HTML(value=f"<style>{CSS}</style>")
    return ExerciseBox(
        [style, *header, *controls, widgets.HBox([button, status]), feedback],
        exercise=exercise,
        scenario_id=scenario_id,
        title=title,
        check_button=button,
        feedback=feedback,
        save_status=status,
        evaluate=evaluate,
        on_check=on_check,
        render_static=render_static,
        show_marks=show_marks,
        saved=saved,
    )


def scenario_header_html(scenario: Any, position: int, total: int, catalogue: Any) -> str:
    """Heading, difficulty, story and the playbook section of one scenario."""
    section = catalogue.section(scenario.source)
    return (
        f"<h2>Scenario {position} of {total}: {escape(scenario.title)}</h2>\n"
        f"<p><em>Difficulty: {escape(scenario.difficulty)}</em> · Playbook: "
        f"{link(section.title, section.url)}</p>\n"
        f"<p>{escape(scenario.story)}</p>"
    )


def static_page(body: str) -> str:
    """Wrap a static rendering with the kit's small stylesheet."""
    return f'<div class="dsw-exercise dsw-static">\n<style>{CSS}</style>\n{body}\n</div>'


def feedback_section(box: ExerciseBox) -> str:
    """The feedback currently shown, for the static rendering ("" before any)."""
    if not box.feedback.value:
        return ""
    return f"<h3>Feedback</h3>\n{box.feedback.value}"


# --------------------------------------------------------------------------- many at once


class ExerciseList(Sequence[ExerciseBox]):
    """All scenarios of one breakout, in file order.

    Displaying it shows each exercise as its own output, so that each carries its own
    marker for the handout builder; ``display`` is called by IPython's display machinery
    when the notebook shows the object, never by the builder functions.
    """

    def __init__(self, boxes: Iterable[ExerciseBox]):
        self._boxes = tuple(boxes)

    def __getitem__(self, index):  # type: ignore[override]
        return self._boxes[index]

    def __len__(self) -> int:
        return len(self._boxes)

    def __iter__(self) -> Iterator[ExerciseBox]:
        return iter(self._boxes)

    def by_id(self, scenario_id: str) -> ExerciseBox:
        for box in self._boxes:
            if box.scenario_id == scenario_id:
                return box
        known = ", ".join(b.scenario_id for b in self._boxes)
        raise InputError(f"no scenario '{scenario_id}' here; expected one of: {known}")

    def __repr__(self) -> str:
        ids = ", ".join(b.scenario_id for b in self._boxes)
        return f"<{len(self._boxes)} exercises: {ids}>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(*self._boxes)


def pick_scenario(scenarios: Sequence[Any], scenario: str | int) -> tuple[int, Any]:
    """Find a scenario by id or by 1-based position; return (position, scenario).

    Raises
    ------
    InputError
        No such id, or a position out of range.
    """
    ids = [s.id for s in scenarios]
    if isinstance(scenario, int) and not isinstance(scenario, bool):
        if 1 <= scenario <= len(scenarios):
            return scenario, scenarios[scenario - 1]
        raise InputError(
            f"scenario number {scenario} is out of range: there are "
            f"{len(scenarios)} scenarios (1 to {len(scenarios)})"
        )
    if scenario in ids:
        index = ids.index(scenario)
        return index + 1, scenarios[index]
    raise InputError(f"unknown scenario {scenario!r}; expected one of: {', '.join(ids)}")


def option_label(options: Sequence[tuple[str, str]], value: str) -> str:
    """The label shown for ``value`` in a list of (label, value) options."""
    for label, option in options:
        if option == value:
            return label
    return value


def exercise_boxes(
    exercise: str,
    settings: ExerciseSettings,
    make: Callable[..., ExerciseBox],
    *,
    only: str | int | None = None,
    extra: Callable[[Any, ExerciseSettings], Mapping[str, Any]] | None = None,
) -> list[ExerciseBox]:
    """Build a breakout's exercises: the notebook API every breakout module shares.

    Loads the catalogue and the scenario set once, reads each scenario's saved answer (a
    store that cannot be read is reported in the exercise, not raised: the group can still
    work), and calls ``make(catalogue, scenario, position=, total=, on_check=, saved=,
    saved_problem=, **extra(catalogue, settings))`` for each.

    Parameters
    ----------
    exercise
        The breakout id (``"classify_data"``), as in the scenario file's name.
    settings
        The notebook's parameters.
    make
        The breakout's builder.
    only
        One scenario, by id or 1-based position; all of them when None.
    extra
        Keyword arguments the builder needs beyond the scenario, computed once per call.
    """
    from ..breakouts.scenarios import load_scenarios
    from ..content.catalogue import load_catalogue
    from ..errors import StoreError

    catalogue = load_catalogue(settings.jurisdiction)
    scenarios = load_scenarios(exercise, settings.jurisdiction, settings.scenario_set)
    chosen = [pick_scenario(scenarios, only)] if only is not None else enumerate(scenarios, 1)
    more = dict(extra(catalogue, settings)) if extra else {}
    boxes = []
    for position, scenario in chosen:
        try:
            saved, problem = saved_answer(settings, exercise, scenario.id), ""
        except StoreError as error:
            saved, problem = None, f"Saved answers could not be read: {error}"
        boxes.append(
            make(
                catalogue,
                scenario,
                position=position,
                total=len(scenarios),
                on_check=answer_saver(settings, exercise, scenario.id),
                saved=saved,
                saved_problem=problem,
                **more,
            )
        )
    return boxes


_EXERCISE_DOC = """One scenario of the "{title}" breakout, by id or by 1-based position.

Parameters
----------
scenario
    Scenario id, or its 1-based position in the set.
workshop_id, group, scenario_set, store_path, jurisdiction
    The notebook's parameters (see :class:`ExerciseSettings`). With an empty ``group``
    nothing is saved.

Returns
-------
ExerciseBox
    A widget to display; its ``check_button`` checks and saves.

Raises
------
ContentError
    The scenario file or catalogue is malformed.
InputError
    No such scenario, or a parameter is unusable.
"""

_EXERCISES_DOC = """Every scenario of the "{title}" breakout, in file order.

Displaying the result shows one exercise per scenario. Takes the notebook's parameters,
like ``exercise``.
"""


def notebook_api(
    exercise: str,
    make: Callable[..., ExerciseBox],
    *,
    title: str,
    extra: Callable[[Any, ExerciseSettings], Mapping[str, Any]] | None = None,
) -> tuple[Callable[..., ExerciseBox], Callable[..., ExerciseList]]:
    """The ``exercise`` and ``exercises`` functions a breakout module offers its notebook.

    Every breakout takes the same notebook parameters and builds its exercises the same
    way (:func:`exercise_boxes`); only ``make`` (and ``extra``) differ.
    """

    def one(
        scenario: str | int,
        *,
        workshop_id: str = "",
        group: str = "",
        scenario_set: str = DEFAULT_SET,
        store_path: str = "",
        jurisdiction: str = "ct",
    ) -> ExerciseBox:
        settings = ExerciseSettings(workshop_id, group, scenario_set, store_path, jurisdiction)
        with shared_default_models():
            return exercise_boxes(exercise, settings, make, only=scenario, extra=extra)[0]

    def every(
        *,
        workshop_id: str = "",
        group: str = "",
        scenario_set: str = DEFAULT_SET,
        store_path: str = "",
        jurisdiction: str = "ct",
    ) -> ExerciseList:
        settings = ExerciseSettings(workshop_id, group, scenario_set, store_path, jurisdiction)
        with shared_default_models():
            return ExerciseList(exercise_boxes(exercise, settings, make, extra=extra))

    for function, name, doc in (
        (one, "exercise", _EXERCISE_DOC),
        (every, "exercises", _EXERCISES_DOC),
    ):
        function.__name__ = function.__qualname__ = name
        function.__module__ = make.__module__
        function.__doc__ = doc.format(title=title)
    return one, every


def key_notes_and_source(notes: str, section: Any) -> str:
    """The end of a scenario in an answer key: the facilitator's notes (if any), then the
    playbook section it rests on, linked."""
    told = f"<p><strong>Facilitator notes:</strong> {escape(notes)}</p>\n" if notes else ""
    return told + f"<p>Playbook: {link(section.title, section.url)}</p>"


def reference_card(render: Callable[..., str], *, about: str) -> Callable[..., Any]:
    """The ``guide`` function a breakout module offers its notebook.

    Every breakout shows a reference card above its exercises; only the HTML (``render``,
    which takes the notebook's ``jurisdiction`` and, for some, ``scenario_set``) and the
    one-line description differ.
    """

    def guide(**options: Any) -> Any:
        from IPython.display import HTML

        return HTML(render(**options))

    guide.__module__ = render.__module__
    guide.__doc__ = f"{about}\n\nReturns\n-------\nIPython.display.HTML\n"
    return guide
