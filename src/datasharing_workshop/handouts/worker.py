"""One unit of work for a worker process: one notebook, executed once, rendered N times.

The main process plans (cheap, no Jupyter imports) and sends each worker a
:class:`NotebookTask`: whether to execute or reuse the cached execution, and which
handouts to render. The worker renders every variant to temporary files first and moves
them into place only when all of them succeeded, so a failure leaves the previous handouts
of that notebook exactly as they were.

The dataclasses here are plain and picklable; Jupyter libraries are imported inside
:func:`run_task` only.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import KitError


@dataclass(frozen=True)
class RenderJob:
    """One handout to write."""

    variant: str
    out_path: str
    key: str
    group: str = ""
    #: The group's latest answers (plain dicts from the store); empty for other variants.
    answers: tuple[dict[str, Any], ...] = ()
    #: The facilitator guide's page for this notebook; facilitator handouts only.
    guide_html: str = ""


@dataclass(frozen=True)
class NotebookTask:
    """Everything a worker needs for one notebook."""

    stem: str
    path: str
    shown_as: str
    title: str
    notebook_dir: str
    #: True: run it with papermill; False: read ``executed_path`` from the cache.
    execute: bool
    executed_path: str
    parameters: dict[str, Any]
    parameters_cell: int | None
    kernel_name: str
    facts: dict[str, Any]
    renders: tuple[RenderJob, ...] = ()
    #: Every notebook of the workshop (where guide links point).
    notebook_stems: tuple[str, ...] = ()


@dataclass
class NotebookResult:
    """What happened to one notebook."""

    stem: str
    executed: bool = False
    execute_seconds: float = 0.0
    #: (out_path, key, sha256, size) of each handout written.
    written: list[tuple[str, str, str, int]] = field(default_factory=list)
    error: str | None = None


def run_task(task: NotebookTask) -> NotebookResult:
    """Execute (or reuse) one notebook and render its handouts. Never raises."""
    result = NotebookResult(task.stem)
    staged: list[tuple[Path, Path]] = []
    try:
        nb = _executed_notebook(task, result)
        written = []
        for job in task.renders:
            html = _render(nb, task, job)
            data = html.encode("utf-8")
            from .cache import bytes_digest, staged_path

            out = Path(job.out_path)
            tmp = staged_path(out)
            staged.append((tmp, out))
            tmp.write_bytes(data)
            written.append((job.out_path, job.key, bytes_digest(data), len(data)))
        # Only now, with every variant rendered, replace the old handouts.
        for tmp, out in staged:
            os.replace(tmp, out)
        staged.clear()
        result.written = written
    except KitError as exc:
        result.error = str(exc)
    except Exception as exc:  # a bug or an environment problem: keep the details
        result.error = (
            f"{task.shown_as}: unexpected {type(exc).__name__} while building its handouts: "
            f"{exc}\n{traceback.format_exc(limit=-3)}"
        )
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return result


def _executed_notebook(task: NotebookTask, result: NotebookResult) -> Any:
    import nbformat

    cached = Path(task.executed_path)
    if not task.execute:
        # A damaged or vanished cache file is a cache miss: run the notebook instead.
        with contextlib.suppress(Exception):
            return nbformat.read(cached, as_version=4)
    from .cache import atomic_write_bytes
    from .execute import execute_notebook

    started = time.perf_counter()
    nb = execute_notebook(
        Path(task.path),
        shown_as=task.shown_as,
        parameters=task.parameters,
        parameters_cell=task.parameters_cell,
        cwd=Path(task.notebook_dir),
        kernel_name=task.kernel_name,
    )
    result.execute_seconds = time.perf_counter() - started
    result.executed = True
    atomic_write_bytes(cached, nbformat.writes(nb).encode("utf-8"))
    return nb


def _render(nb: Any, task: NotebookTask, job: RenderJob) -> str:
    from .render import render_handout

    return render_handout(
        nb,
        variant=job.variant,
        facts=task.facts,
        notebook_file=task.shown_as,
        notebook_title=task.title,
        notebook_dir=Path(task.notebook_dir),
        group=job.group,
        answers=job.answers,
        guide_html=job.guide_html,
        notebook_stems=task.notebook_stems,
    )
