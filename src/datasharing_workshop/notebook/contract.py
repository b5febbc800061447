"""The notebook contract: what a workshop notebook may contain, in one place.

The notebooks under ``notebooks/`` are written by several people, and three parts of the
kit read them: the handout builder, the app (:mod:`..room.copies`) and the room's pages
(:mod:`..room.pages`). All three take these rules from here:

* **Cell tags** (``metadata.tags``): only those in :data:`ALLOWED_TAGS`. Any other tag
  stops the build or the app, because a misspelt ``answer_key`` would otherwise be an
  ordinary cell and the answer would reach participants. :data:`PARTICIPANT_REMOVED_TAGS`
  never reach a participant (handout, app or room); :data:`ALWAYS_REMOVED_TAGS` are left
  out of every handout.
* **One parameters cell** (tag :data:`PARAMETERS_TAG`) assigning some of
  :data:`PARAMETER_NAMES`; a notebook is passed only the names it declares, in a cell
  tagged :data:`INJECTED_TAG` that :func:`inject_parameters` adds with papermill's own
  ``parameterize_notebook``.
* **Notebook metadata** ``metadata.datasharing_workshop`` (optional), see
  :class:`NotebookSettings` and :func:`kit_metadata`.
* **Exercise outputs** carry :data:`EXERCISE_MIMETYPE` so group handouts can put each
  group's saved answer next to the exercise it answers.

A notebook is read as JSON with the standard library (:func:`read_notebook`; not nbformat,
which takes more than a second to import), so checking and planning a build stays fast.
"""

from __future__ import annotations

import ast
import copy
import difflib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..content.models import Id
from ..content.yaml_source import describe_input, format_field

#: The closed set of cell tags a workshop notebook may use, with what each one does.
ALLOWED_TAGS: dict[str, str] = {
    "parameters": "papermill's parameters cell; removed from every handout",
    "injected-parameters": "added by papermill when the notebook runs; removed from every handout",
    "facilitator": "facilitator-only notes; only in the facilitator handout, labelled as such",
    "answer-key": "answer key; only in facilitator and group handouts, labelled as such",
    "remove-cell": "setup or housekeeping: no handout shows it; the app and the room run it",
    "hide-input": "accepted for JupyterLab habits; handouts never show code anyway",
}

#: The parameters cell (papermill's tag) and the cell that sets a run's values after it.
PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"

#: Tags removed from every handout: papermill's two cells and housekeeping cells.
ALWAYS_REMOVED_TAGS = frozenset({PARAMETERS_TAG, INJECTED_TAG, "remove-cell"})
#: Cells no participant ever receives: not in a participant handout, the app or the room.
PARTICIPANT_REMOVED_TAGS = frozenset({"facilitator", "answer-key"})

#: Handout variants, in the order the index lists them.
VARIANTS: tuple[str, ...] = ("participant", "facilitator", "group")
Variant = Literal["participant", "facilitator", "group"]
DEFAULT_HANDOUTS: tuple[Variant, ...] = ("participant", "facilitator")

#: Parameters the builder can pass; a notebook receives those its parameters cell assigns.
PARAMETER_NAMES: tuple[str, ...] = (
    "workshop_id",
    "group",
    "scenario_set",
    "store_path",
    "jurisdiction",
)

METADATA_KEY = "datasharing_workshop"
EXERCISE_MIMETYPE = "application/vnd.datasharing-workshop.exercise+json"
WIDGET_VIEW_MIMETYPE = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE_MIMETYPE = "application/vnd.jupyter.widget-state+json"


class NotebookSettings(BaseModel):
    """``metadata.datasharing_workshop`` of one notebook."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    handouts: tuple[Variant, ...] = Field(
        DEFAULT_HANDOUTS,
        min_length=1,
        description="the handout variants built from this notebook",
    )
    exercise: Id | None = Field(
        None,
        description=(
            "the breakout this notebook runs; its scenarios are read from "
            "exercises/<jurisdiction>/scenarios/<scenario_set>/<exercise>.yaml"
        ),
    )
    uses_answers: bool = Field(
        False,
        description=(
            "true when the notebook shows saved answers even when run without a group "
            "(the report-back): new answers in the store then re-run it"
        ),
    )


@dataclass(frozen=True)
class NotebookInfo:
    """What the builder needs to know about one notebook, read from its JSON."""

    path: Path
    shown_as: str
    stem: str
    #: sha256 of the file's bytes.
    digest: str
    settings: NotebookSettings
    #: Names from :data:`PARAMETER_NAMES` the parameters cell assigns, in that order.
    parameters: tuple[str, ...]
    #: Index of the parameters cell, or None when there is none.
    parameters_cell: int | None
    #: Text of the first Markdown heading, else a title made from the file name.
    title: str


def cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def first_line(source: str, width: int = 60) -> str:
    """The first non-blank line of a cell, shortened, for messages."""
    for line in source.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= width else line[: width - 3] + "..."
    return "(empty cell)"


def describe_cell(index: int, cell: dict[str, Any]) -> str:
    """``cell 6 (`## Your turn`)``: cells are counted from 1, from the top of the notebook."""
    return f"cell {index + 1} (`{first_line(cell_source(cell))}`)"


def read_notebook(path: Path, shown_as: str) -> tuple[NotebookInfo | None, list[str]]:
    """Read and check one notebook.

    Returns
    -------
    (NotebookInfo or None, list of str)
        The notebook's facts, and every problem found (each a complete sentence naming
        the notebook and, where it applies, the cell). The info is None when the file cannot
        be used at all.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [f"{shown_as}: cannot be read ({exc.strerror or exc})"]
    try:
        nb = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, [f"{shown_as}: not a notebook (invalid JSON: {exc})"]
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return None, [f"{shown_as}: not a notebook (no list of cells)"]
    cells = [c if isinstance(c, dict) else {} for c in nb["cells"]]

    problems = tag_problems(cells, shown_as)
    settings, more = _settings(nb, shown_as)
    problems += more

    tagged = parameters_cells(cells)
    if len(tagged) > 1:
        where = ", ".join(describe_cell(i, cells[i]) for i in tagged)
        problems.append(
            f"{shown_as}: more than one cell is tagged 'parameters' ({where}); papermill only "
            "uses the first, so keep one"
        )
    parameters_cell = tagged[0] if tagged else None
    declared = (
        declared_parameters(cell_source(cells[parameters_cell]))
        if parameters_cell is not None
        else ()
    )
    info = NotebookInfo(
        path=path,
        shown_as=shown_as,
        stem=path.stem,
        digest=hashlib.sha256(data).hexdigest(),
        settings=settings or NotebookSettings(),
        parameters=tuple(name for name in PARAMETER_NAMES if name in declared),
        parameters_cell=parameters_cell,
        title=notebook_title(cells, path.stem),
    )
    return info, problems


def _tags(cell: Mapping[str, Any]) -> list[Any]:
    metadata = cell.get("metadata")
    tags = metadata.get("tags", []) if isinstance(metadata, Mapping) else []
    return tags if isinstance(tags, list) else [tags]


def cell_tags(cell: Mapping[str, Any]) -> list[Any]:
    """A cell's tags as written (a lone tag that is not in a list counts as one)."""
    return _tags(cell)


def parameters_cells(cells: Iterable[Mapping[str, Any]]) -> list[int]:
    """Indexes of the cells tagged :data:`PARAMETERS_TAG` (a notebook must have one)."""
    return [i for i, cell in enumerate(cells) if PARAMETERS_TAG in _tags(cell)]


def kit_metadata(nb: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata.datasharing_workshop`` as written (unchecked), or an empty dict."""
    metadata = nb.get("metadata")
    raw = metadata.get(METADATA_KEY) if isinstance(metadata, Mapping) else None
    return dict(raw) if isinstance(raw, Mapping) else {}


def unknown_parameters(names: Iterable[str]) -> list[str]:
    """The names that are not notebook parameters (:data:`PARAMETER_NAMES`), sorted."""
    return sorted(set(names) - set(PARAMETER_NAMES))


def inject_parameters(
    nb: Any,
    parameters: Mapping[str, Any],
    *,
    comment: str = "Parameters",
    cell_id: str = INJECTED_TAG,
    hidden: bool = False,
) -> Any:
    """A copy of ``nb`` with papermill's injected-parameters cell after its parameters cell.

    Uses :func:`papermill.parameterize.parameterize_notebook`, so the cell is exactly what
    ``papermill -p`` writes (tag :data:`INJECTED_TAG`, Python literals, after the first
    parameters cell, replacing an earlier injected cell). Two differences, both for
    reproducible files: the cell gets the fixed id ``cell_id`` instead of a random one,
    and papermill's record of the values in the notebook metadata is left out (it would
    put the store's path into every executed notebook).

    Parameters
    ----------
    nb
        An nbformat v4 notebook (not changed).
    hidden
        Fold the cell's code away (papermill's ``report_mode``), as every kit cell is.
    """
    from papermill.parameterize import parameterize_notebook

    nb = copy.deepcopy(nb)
    had_papermill = "papermill" in nb.metadata
    nb.metadata.setdefault("papermill", {})
    # papermill reads every cell's ``metadata.tags`` (its execute_notebook adds them first).
    untagged = [cell for cell in nb.cells if "tags" not in cell.metadata]
    for cell in untagged:
        cell.metadata["tags"] = []
    out = parameterize_notebook(
        nb,
        dict(parameters),
        report_mode=hidden,
        comment=comment,
        kernel_name="python3",
        language="python",
    )
    if not had_papermill:
        del out.metadata["papermill"]
    for cell in untagged:
        del cell.metadata["tags"]
    for cell in out.cells:
        if INJECTED_TAG in _tags(cell):
            if out.get("nbformat_minor", 0) >= 5:
                cell["id"] = cell_id
            else:
                cell.pop("id", None)
    return out


def tag_problems(
    cells: list[dict[str, Any]], shown_as: str, allowed_tags: Iterable[str] = ALLOWED_TAGS
) -> list[str]:
    """One message per unknown or malformed tag, naming notebook, cell and tag."""
    known = sorted(allowed_tags)
    allowed = ", ".join(known)
    problems = []
    for index, cell in enumerate(cells):
        for tag in _tags(cell):
            if isinstance(tag, str) and tag in known:
                continue
            hint = ""
            if isinstance(tag, str):
                close = difflib.get_close_matches(
                    tag.lower().replace("_", "-"), known, n=1, cutoff=0.6
                )
                hint = f" (did you mean '{close[0]}'?)" if close else ""
            problems.append(
                f"{shown_as}: {describe_cell(index, cell)}: unknown tag {tag!r}{hint}; "
                f"allowed tags: {allowed}"
            )
    return problems


def _settings(nb: dict[str, Any], shown_as: str) -> tuple[NotebookSettings | None, list[str]]:
    metadata = nb.get("metadata")
    raw = metadata.get(METADATA_KEY, {}) if isinstance(metadata, dict) else {}
    if not isinstance(raw, dict):
        return None, [
            f"{shown_as}: metadata.{METADATA_KEY}: expected a mapping such as "
            f'{{"handouts": ["participant", "facilitator"]}}, got {describe_input(raw)}'
        ]
    try:
        return NotebookSettings.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for item in exc.errors(include_url=False):
            field = format_field(("metadata", METADATA_KEY, *item["loc"]))
            if item["type"] == "extra_forbidden":
                known = ", ".join(NotebookSettings.model_fields)
                message = f"unknown field; expected one of: {known}"
            else:
                msg = item["msg"]
                message = f"{msg[0].lower()}{msg[1:]}, got {describe_input(item.get('input'))}"
            problems.append(f"{shown_as}: {field}: {message}")
        return None, problems


def declared_parameters(source: str) -> tuple[str, ...]:
    """Names a parameters cell assigns at top level, in order.

    Parsed with :mod:`ast` rather than papermill's ``inspect_notebook``, which would import
    papermill (over a second) on every build, including a rebuild with nothing to do.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        # IPython magics or a typo: fall back to "name = ..." lines; papermill will report a
        # real syntax error when it runs the notebook.
        return tuple(re.findall(r"^([A-Za-z_]\w*)\s*(?::[^=]*)?=", source, flags=re.M))
    names: list[str] = []
    for node in tree.body:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            elements = target.elts if isinstance(target, ast.Tuple) else [target]
            names += [e.id for e in elements if isinstance(e, ast.Name)]
    return tuple(dict.fromkeys(names))


def notebook_title(cells: list[dict[str, Any]], stem: str) -> str:
    """The text of the first Markdown heading; else ``01_open_the_day`` -> "Open the day"."""
    for cell in cells:
        if cell.get("cell_type") != "markdown":
            continue
        for line in cell_source(cell).splitlines():
            match = re.match(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", line)
            if match:
                return re.sub(r"[*_`]", "", match.group(1)).strip() or stem
    words = re.sub(r"^\d+[_-]*", "", stem).replace("_", " ").replace("-", " ").strip()
    return words[:1].upper() + words[1:] if words else stem
