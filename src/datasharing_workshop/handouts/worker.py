"""Render every handout of one executed notebook, all or nothing.

The build process executes notebooks in kernels it drives itself (:mod:`.execute`) and
renders here, in one thread beside the kernels. Every variant is rendered to a temporary
file first and moved into place only when all of them succeeded, so a failure leaves the
previous handouts of that notebook exactly as they were.

The dataclasses are plain; Jupyter libraries are imported inside the functions only.
"""

from __future__ import annotations

import contextlib
import os
import re
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
    #: sha256 of the handout on disk when it is the one the kit last wrote: a render that
    #: gives the same bytes leaves the file (and its time) alone.
    on_disk: str = ""


@dataclass(frozen=True)
class NotebookTask:
    """What rendering one notebook's handouts needs."""

    stem: str
    path: str
    shown_as: str
    title: str
    notebook_dir: str
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
    #: Handouts left as they were (same key, or rendered again to the same bytes).
    unchanged: list[str] = field(default_factory=list)
    #: (out_path, key, sha256, size) of handouts rendered to the bytes already on disk.
    kept: list[tuple[str, str, str, int]] = field(default_factory=list)
    #: The manifest entry of a new execution (key, file, digest, reads, seconds).
    execution: dict[str, Any] | None = None
    error: str | None = None


def render_task(nb: Any, task: NotebookTask, result: NotebookResult) -> NotebookResult:
    """Render ``task.renders`` from the executed ``nb`` into ``result``. Never raises."""
    staged: list[tuple[Path, Path]] = []
    try:
        from .cache import bytes_digest, staged_path

        written = []
        for job in task.renders:
            data = _render(nb, task, job).encode("utf-8")
            sha = bytes_digest(data)
            if job.on_disk and sha == job.on_disk:
                result.kept.append((job.out_path, job.key, sha, len(data)))
                result.unchanged.append(job.out_path)
                continue
            out = Path(job.out_path)
            tmp = staged_path(out)
            staged.append((tmp, out))
            tmp.write_bytes(data)
            written.append((job.out_path, job.key, sha, len(data)))
        # Only now, with every variant rendered, replace the old handouts.
        for tmp, out in staged:
            os.replace(tmp, out)
        staged.clear()
        result.written = written
    except KitError as exc:
        result.error = str(exc)
    except Exception as exc:  # a bug or an environment problem: one line, details in a file
        from ..crash_log import save_details

        where = save_details(traceback.format_exc())
        what = getattr(exc, "strerror", None) or (str(exc).splitlines() or [""])[0]
        result.error = (
            f"{task.shown_as}: {type(exc).__name__} while building its handouts: {what} "
            f"(details: {where})"
        )
    finally:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
    return result


def read_executed(path: Path) -> Any | None:
    """The executed notebook cached at ``path``; None when it is gone or damaged."""
    import nbformat

    with contextlib.suppress(Exception):
        return nbformat.read(path, as_version=4)
    return None


_MODEL_ID = re.compile(r"[0-9a-f]{32}")


def normalized_json(nb: Any) -> str:
    """The executed notebook as JSON with its widgets' random model ids numbered.

    Ids are numbered in the order the outputs show the widgets, then the order in which
    numbered widgets' states refer to others (layouts, styles, children), so two
    executions that show the same things give the same text, and a re-execution that
    changed nothing visible leaves every handout in place (see the render keys).
    """
    import json

    import nbformat

    text = nbformat.writes(nb)
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {})
    state = state.get("state", {})
    ids = set(state)
    order: list[str] = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get("application/vnd.jupyter.widget-view+json")
            if isinstance(view, dict) and isinstance(view.get("model_id"), str):
                ids.add(view["model_id"])
                if view["model_id"] not in order:
                    order.append(view["model_id"])
    if not ids:
        return text
    index = 0
    while index < len(order):
        blob = json.dumps(state.get(order[index], {}), sort_keys=True)
        index += 1
        for found in _MODEL_ID.findall(blob):
            if found in ids and found not in order:
                order.append(found)
    # Widgets nothing shows or refers to: ordered by what they hold.
    rest = ids - set(order)
    order += sorted(rest, key=lambda m: json.dumps(state.get(m, {}), sort_keys=True))
    numbers = {model: f"widget-model-{n}" for n, model in enumerate(order, 1)}

    def number(match: re.Match[str]) -> str:
        return numbers.get(match.group(0), match.group(0))

    renamed = json.loads(_MODEL_ID.sub(number, text))
    return json.dumps(renamed, sort_keys=True, indent=1, ensure_ascii=False)


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
