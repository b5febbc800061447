"""The pages a participant uses on the day, in agenda order, and their participant copies.

A page is a notebook the agenda names whose ``handouts`` metadata lists ``participant``
(the welcome, the tour, each breakout, the wrap-up); the report-back is the facilitator's
and never becomes a page. Each copy comes from :func:`.copies.participant_copy`, the tag
pipeline the handouts use, so no facilitator or answer-key cell reaches the served folder.
The copy gets one cell after its ``parameters`` cell that asks the room which group opened
the page (:func:`.kernel.join_room`).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..errors import InputError, NotebookError
from ..notebook.contract import (
    INJECTED_TAG,
    PARAMETER_NAMES,
    cell_source,
    declared_parameters,
    kit_metadata,
    parameters_cells,
)
from .copies import _read, check_tags, participant_copy

#: Handout kinds (notebook metadata ``handouts``) that make a notebook a participant page.
PARTICIPANT_KIND = "participant"


@dataclass(frozen=True)
class Page:
    """One participant page: its notebook file, title, and exercise (breakouts only)."""

    stem: str
    title: str
    exercise: str | None
    source: Path

    @property
    def filename(self) -> str:
        return f"{self.stem}.ipynb"


def participant_pages(notebook_folder: Path) -> list[Page]:
    """Every participant page, in the agenda's order.

    Raises
    ------
    InputError
        The folder lacks a notebook the agenda names, or holds none for participants.
    """
    from ..plenary.agenda import load_agenda

    agenda = load_agenda()
    pages = []
    for session in agenda.sessions:
        if not session.notebook or session.planned:
            continue
        path = notebook_folder / f"{session.notebook}.ipynb"
        if not path.exists():
            raise InputError(
                f"{path}: the agenda's session '{session.id}' needs this notebook, "
                "and it is not there"
            )
        meta = kit_metadata(_read(path))
        if PARTICIPANT_KIND not in (meta.get("handouts") or []):
            continue
        pages.append(Page(session.notebook, session.title, meta.get("exercise"), path))
    if not pages:
        raise InputError(f"{notebook_folder}: no notebook here is a participant page")
    return pages


def _parameter_names(nb: nbformat.NotebookNode, name: str) -> list[str]:
    cells = parameters_cells(nb.cells)
    if len(cells) != 1:
        raise NotebookError(
            f"{name}: expected exactly one cell tagged 'parameters', found {len(cells)}"
        )
    source = cell_source(nb.cells[cells[0]])
    try:
        ast.parse(source)
    except SyntaxError as exc:
        raise NotebookError(f"{name}: the parameters cell is not valid Python ({exc})") from None
    return list(declared_parameters(source))


def kit_imports(nb: nbformat.NotebookNode) -> list[str]:
    """The kit's modules the notebook's code imports, in order (for ``from package import
    name`` both ``package.name`` and ``package``: ``name`` may be a module or a function)."""
    found: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found += [f"{node.module}.{alias.name}" for alias in node.names]
                found.append(node.module)
    kit = [m for m in found if m.split(".")[0] == KIT_PACKAGE]
    return list(dict.fromkeys(kit))


KIT_PACKAGE = "datasharing_workshop"


def room_cell_source(names: list[str], room_file: Path, preload: Sequence[str] = ()) -> str:
    """The code of the cell that sets this page's parameters from the room.

    ``preload`` names the modules the page imports: a kernel started ahead of time (Voilà's
    pool) imports them before it waits to learn its group, so a visitor does not wait for
    them.
    """
    wanted = [n for n in names if n in ROOM_PARAMETERS]
    lines = [
        "# Set by `datasharing-workshop serve`: the group that opened this page, and the room's",
        "# workshop and answer store.",
        "from datasharing_workshop.room.kernel import join_room",
    ]
    call = f"join_room({str(room_file)!r}, {wanted!r}"
    call += f", preload={list(preload)!r})" if preload else ")"
    if wanted:
        lines.append(f"{', '.join(wanted)}, = {call}")
    else:
        lines.append(call)
    return "\n".join(lines)


#: Parameters the room sets: every one the notebook contract defines.
ROOM_PARAMETERS = PARAMETER_NAMES


#: "choose Run > Run All Cells (in the menu at the top)": the room's pages have no menu.
_MENU_HINT = re.compile(r"choose \*\*Run [›→>] Run All Cells\*\*[^.]*\.")
ROOM_HINT = "reload the page and wait a few seconds."


def fit_instructions(source: str) -> str:
    """Markdown for the room: menu instructions become what works on a served page."""
    return _MENU_HINT.sub(ROOM_HINT, source)


def room_copy(page: Page, room_file: Path) -> nbformat.NotebookNode:
    """The participant copy of ``page``: its parameters cell and the room's cell first (so
    the group's banner is the top of the page), then the rest with instructions that fit."""
    nb = _read(page.source)
    check_tags(nb, str(page.source))
    names = _parameter_names(nb, str(page.source))
    copy = participant_copy(nb, name=str(page.source))
    index = parameters_cells(copy.cells)[0]
    parameters = copy.cells.pop(index)
    source = room_cell_source(names, room_file, kit_imports(copy))
    cell = nbformat.v4.new_code_cell(source=source)
    cell.metadata["tags"] = [INJECTED_TAG]
    cell.metadata["jupyter"] = {"source_hidden": True}
    cell["id"] = "room-parameters"
    for other in copy.cells:
        if other.cell_type == "markdown":
            other.source = fit_instructions(other.source)
    copy.cells[:0] = [parameters, cell]
    return copy


def write_pages(pages: list[Page], folder: Path, room_file: Path) -> list[Path]:
    """Write the participant copies into ``folder`` (only ``*.ipynb`` files the room wrote
    before are replaced; the folder holds nothing else)."""
    copies = [(page, room_copy(page, room_file)) for page in pages]
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.ipynb"):
        stale.unlink()
    written = []
    for page, nb in copies:
        target = folder / page.filename
        nbformat.write(nb, target)
        written.append(target)
    return written
