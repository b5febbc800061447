"""The code-free app: the breakout notebooks served by Voilà, without facilitator cells.

Voilà runs a notebook and shows only its outputs and Markdown, so participants see the
exercises and never the code. It does not apply nbconvert's ``TagRemovePreprocessor`` from
its command line (its own execute step runs first; voila-dashboards/voila#171), so the
facilitator and answer-key cells are removed here, into copies under ``build/app/``,
before Voilà serves that folder.

Pipeline per notebook, in this order:

1. :func:`check_tags`: every cell tag must be one the notebook contract
   (:mod:`..notebook.contract`) allows, the same set the handout build accepts. A misspelt
   ``answer_key`` or ``Facilitator`` would otherwise slip past step 2 and leak an answer,
   so it stops the build instead.
2. nbconvert's ``TagRemovePreprocessor`` drops the cells no participant receives
   (``facilitator``, ``answer-key``). ``remove-cell`` housekeeping stays: it must run.
3. ``ClearOutputPreprocessor`` drops any outputs, in case a facilitator's run left some
   (with a group's answers in them) in the source notebook.
4. Optional: papermill's ``parameterize_notebook`` adds a cell after the ``parameters``
   cell that sets the workshop, group and store, so one laptop's app saves under its
   group's name.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import nbformat

from ..errors import BuildError, InputError, NotebookError
from ..notebook.contract import (
    ALLOWED_TAGS,
    PARAMETER_NAMES,
    PARTICIPANT_REMOVED_TAGS,
    inject_parameters,
    kit_metadata,
    parameters_cells,
    tag_problems,
    unknown_parameters,
)
from ..ownership import OwnedFolder, participant_copies_only
from .settings import IOPUB_TIMEOUT_S, KERNEL_STARTUP_TIMEOUT_S
from .voila_template import TEMPLATE

# Tags, parameter names and metadata are the notebook contract's (one home for the
# handouts, the app and the room): ALLOWED_TAGS, PARTICIPANT_REMOVED_TAGS, INJECTED_TAG,
# PARAMETER_NAMES, kit_metadata.
DEFAULT_PORT = 8866
DEFAULT_OUTPUT = Path("build") / "app"


def notebooks_folder() -> Path:
    """The workshop folder's ``notebooks/`` (``workshop.yml`` here or above), else the kit's."""
    from ..content.locations import own_or_shipped

    return own_or_shipped("notebooks")


def breakout_notebooks(folder: Path | None = None) -> list[Path]:
    """The breakout notebooks in ``folder``: those whose metadata names an ``exercise``.

    Raises
    ------
    InputError
        The folder does not exist.
    """
    folder = folder or notebooks_folder()
    if not folder.is_dir():
        raise InputError(f"no notebooks folder at {folder}; pass --notebooks FOLDER")
    found = []
    for path in sorted(folder.glob("*.ipynb")):
        nb = _read(path)
        if kit_metadata(nb).get("exercise"):
            found.append(path)
    return found


def _read(path: Path) -> nbformat.NotebookNode:
    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for a damaged file
        raise NotebookError(f"{path}: cannot read the notebook ({exc})") from None


def check_tags(nb: nbformat.NotebookNode, name: str = "notebook") -> None:
    """Refuse tags outside the contract's closed set, so a misspelt answer-key tag cannot
    leak an answer.

    Raises
    ------
    BuildError
        Naming every cell with an unknown tag (the same message as the handout build).
    """
    problems = tag_problems(nb.cells, name, ALLOWED_TAGS)
    if problems:
        raise NotebookError("\n".join(problems))


def participant_copy(
    nb: nbformat.NotebookNode,
    *,
    name: str = "notebook",
    parameters: Mapping[str, str] | None = None,
) -> nbformat.NotebookNode:
    """A copy of ``nb`` fit for participants: no facilitator or answer-key cells, no outputs.

    Parameters
    ----------
    nb
        The source notebook (not changed).
    name
        How to name the notebook in error messages.
    parameters
        Values to set after the ``parameters`` cell (names from :data:`PARAMETER_NAMES`).

    Raises
    ------
    BuildError
        An unknown tag, or parameters for a notebook without exactly one parameters cell.
    InputError
        An unknown parameter name.
    """
    from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

    nb = copy.deepcopy(nb)
    check_tags(nb, name)
    remover = TagRemovePreprocessor(remove_cell_tags=set(PARTICIPANT_REMOVED_TAGS), enabled=True)
    nb, _ = remover.preprocess(nb, {})
    nb, _ = ClearOutputPreprocessor().preprocess(nb, {})
    if parameters:
        nb = _inject(nb, name, parameters)
    return nb


def _inject(
    nb: nbformat.NotebookNode, name: str, parameters: Mapping[str, str]
) -> nbformat.NotebookNode:
    unknown = unknown_parameters(parameters)
    if unknown:
        raise InputError(
            f"unknown notebook parameter(s) {', '.join(unknown)}; expected: "
            f"{', '.join(PARAMETER_NAMES)}"
        )
    found = len(parameters_cells(nb.cells))
    if found != 1:
        raise NotebookError(f"{name}: expected exactly one cell tagged 'parameters', found {found}")
    # papermill's own injection; a fixed id keeps rebuilt copies identical.
    return inject_parameters(
        nb,
        parameters,
        comment="Set by `datasharing-workshop app`",
        cell_id="app-parameters",
        hidden=True,
    )


def prepare_app(
    output: Path = DEFAULT_OUTPUT,
    *,
    notebooks: Path | None = None,
    parameters: Mapping[str, str] | None = None,
    option: str = "--output",
) -> list[Path]:
    """Write participant copies of every breakout notebook into ``output``.

    ``output`` must be the kit's own folder (see :mod:`.ownership`): a missing or empty
    folder is created and marked; a folder holding anything else is refused. Copies the
    kit wrote there earlier for notebooks that are gone are removed; nothing else is.

    Returns
    -------
    list of Path
        The copies written, in name order.

    Raises
    ------
    BuildError
        A notebook cannot be read or has an unknown tag; nothing is served then.
    InputError
        No breakout notebooks found, or ``output`` is not the kit's folder.
    """
    sources = breakout_notebooks(notebooks)
    if not sources:
        where = notebooks or notebooks_folder()
        raise InputError(
            f"no breakout notebooks in {where} (a notebook whose metadata has "
            "datasharing_workshop.exercise)"
        )
    # Refuse a folder that is not the kit's before any work (and before touching anything).
    names = [src.name for src in sources]
    owned = OwnedFolder.claim(output, option=option, legacy=_legacy_app_folder(names))
    owned.check_writable(names)
    copies = [
        (src, participant_copy(_read(src), name=str(src), parameters=parameters)) for src in sources
    ]
    owned.remove_stale(keep=names)
    written = []
    try:
        for src, nb in copies:
            target = output / src.name
            nbformat.write(nb, target)
            owned.record([src.name])
            written.append(target)
    except OSError as exc:
        raise InputError(
            f"cannot write {output}: {exc.strerror or exc}; choose another {option}"
        ) from None
    finally:
        owned.save()
    return written


def _legacy_app_folder(names: Sequence[str]):
    """An app folder from before the ownership marker: only participant copies of ours."""
    return lambda folder: participant_copies_only(folder, names)


def voila_command(folder: Path, *, port: int = DEFAULT_PORT) -> list[str]:
    """The command that serves ``folder`` with Voilà, on this computer only.

    Serving the folder (not one notebook) lists every breakout on Voilà's start page.
    """
    return [
        sys.executable,
        "-m",
        "datasharing_workshop.room.voila_template",  # Voilà, with the kit's template found
        str(folder),
        "--no-browser",
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        "--strip_sources=True",
        f"--template={TEMPLATE}",
        # The same patience as `serve`: nbclient's 4 s default drops a slow cell's output.
        f"--VoilaExecutor.iopub_timeout={IOPUB_TIMEOUT_S}",
        f"--VoilaExecutor.startup_timeout={KERNEL_STARTUP_TIMEOUT_S}",
    ]


def serve(folder: Path, *, port: int = DEFAULT_PORT, extra_args: Sequence[str] = ()) -> int:
    """Run Voilà on ``folder`` until it stops; return its exit status."""
    command = [*voila_command(folder, port=port), *extra_args]
    try:
        return subprocess.call(command, env=os.environ.copy())
    except FileNotFoundError as exc:  # pragma: no cover - sys.executable always exists
        raise BuildError(f"cannot start Voilà: {exc}") from None


def participants_only(folder: Path) -> list[Path]:
    """Replace every notebook in ``folder`` by its participant copy, in place.

    For a server only participants use, such as a Binder image (``postBuild`` calls this):
    afterwards no route (Voilà, JupyterLab, the file browser, nbconvert) can show a
    facilitator or answer-key cell, because none is left. Never run it on a checkout you
    keep. Every notebook is checked before any is written, so an unknown tag changes
    nothing.

    Raises
    ------
    BuildError
        A notebook cannot be read or has an unknown tag.
    """
    sources = sorted(Path(folder).glob("*.ipynb"))
    copies = [(path, participant_copy(_read(path), name=str(path))) for path in sources]
    for path, nb in copies:
        nbformat.write(nb, path)
    return [path for path, _ in copies]
