"""Run one notebook with papermill, and turn its failures into messages for a person.

Imported only in worker processes (papermill takes over a second to import).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import BuildError
from .contract import first_line

KERNEL_NAME = "python3"

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def execute_notebook(
    path: Path,
    *,
    shown_as: str,
    parameters: Mapping[str, Any],
    parameters_cell: int | None,
    cwd: Path,
    kernel_name: str = KERNEL_NAME,
) -> Any:
    """Execute ``path`` in a fresh kernel and return the executed notebook node.

    Parameters
    ----------
    path
        The notebook.
    shown_as
        How messages name it.
    parameters
        Values for the names its parameters cell declares (only those).
    parameters_cell
        Index of its parameters cell, to translate papermill's cell numbers (which count
        the injected-parameters cell) back to the notebook as written.
    cwd
        Working directory of the kernel (the notebooks folder).

    Raises
    ------
    BuildError
        The notebook raised (naming the cell, the error and its message), or could not be
        run at all (no such kernel, the kernel died).
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    # Papermill logs every cell at INFO; the builder reports progress itself.
    logging.getLogger("papermill").setLevel(logging.WARNING)
    try:
        return papermill.execute_notebook(
            str(path),
            None,  # the worker writes the executed notebook to the cache itself, atomically
            parameters=dict(parameters) or None,
            kernel_name=kernel_name,
            language="python",
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            # Passed through papermill to nbclient and on to the kernel's command line. The
            # kernel's own log is noise here: ipykernel 7 warns on every start that local
            # TCP is unencrypted, and jupyter_client interrupts the kernel before shutting
            # it down, which sometimes logs "ERROR | KeyboardInterrupt caught in kernel".
            # Real failures still reach the build as exceptions (dead kernel, cell error).
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
        )
    except PapermillExecutionError as exc:
        injected = bool(parameters)
        raise BuildError(
            describe_execution_error(exc, shown_as, parameters_cell, injected)
        ) from None
    except Exception as exc:  # no such kernel, dead kernel, timeout starting it, ...
        message = _ANSI.sub("", str(exc)).strip().splitlines()
        detail = message[0] if message else ""
        raise BuildError(
            f"{shown_as}: could not be run with the '{kernel_name}' kernel: "
            f"{type(exc).__name__}: {detail}"
        ) from None


def describe_execution_error(
    exc: Any, shown_as: str, parameters_cell: int | None, injected: bool
) -> str:
    """``notebooks/x.ipynb: cell 4 (`load(...)`) raised ValueError: message``.

    Cells are counted from 1 in the notebook as written (without papermill's injected
    cell), matching what a person sees scrolling through it in JupyterLab.
    """
    index = int(exc.cell_index)
    if injected:
        injected_at = 0 if parameters_cell is None else parameters_cell + 1
        if index > injected_at:
            index -= 1
    source = exc.source if isinstance(exc.source, str) else "".join(exc.source or [])
    evalue = _ANSI.sub("", str(exc.evalue or "")).strip()
    if len(evalue) > 500:
        evalue = evalue[:497] + "..."
    what = f"{exc.ename}: {evalue}" if evalue else str(exc.ename)
    return f"{shown_as}: cell {index + 1} (`{first_line(source)}`) raised {what}"
