"""Load the workshop's own content: ``exercises/workshop/*.yaml``.

These files hold what the plenary notebooks say that is not a playbook fact: the agenda,
ground rules, tips for the widgets, the observation form, the wording of report-back
prompts, the wrap-up. (Playbook facts live with each jurisdiction, e.g.
``exercises/ct/tour.yaml``.) Each file is checked against a pydantic model and every
problem is reported as ``file:line: field: message``, like the catalogue.

Loaded files are cached by modification time, so an edit shows up in a running kernel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ..errors import ContentError, Problem
from .catalogue import content_root
from .yaml_source import YamlDocument, read_yaml, validation_problems

__all__ = ["WORKSHOP_FOLDER", "load_model", "workshop_file"]

#: Folder under the content root that holds the workshop-level files.
WORKSHOP_FOLDER = "workshop"

M = TypeVar("M", bound=BaseModel)
Check = Callable[[YamlDocument, Any], list[Problem]]

_CACHE: dict[tuple[str, str], tuple[int, Any]] = {}


def workshop_file(name: str) -> Path:
    """``exercises/workshop/<name>`` under the current content root."""
    return content_root() / WORKSHOP_FOLDER / name


def load_model(path: Path, model: type[M], check: Check | None = None) -> M:
    """Read ``path`` as YAML and validate it with ``model`` (and ``check``, if given).

    Parameters
    ----------
    path
        The YAML file.
    model
        A pydantic model (usually a frozen ``Entry``) for the whole file.
    check
        Cross-checks a model cannot express alone; returns problems located with the
        document's line numbers.

    Returns
    -------
    The validated model. The result is cached until the file's modification time changes.

    Raises
    ------
    ContentError
        Every problem found, each with file, line and field.
    """
    path = Path(path)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = -1
    key = (str(path.resolve()), f"{model.__module__}.{model.__qualname__}")
    cached = _CACHE.get(key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    doc = read_yaml(path)
    if not isinstance(doc.data, dict):
        raise ContentError(
            [doc.problem((), "expected a YAML mapping (key: value lines) at the top")]
        )
    try:
        value = model.model_validate(doc.data)
    except ValidationError as exc:
        raise ContentError(validation_problems(doc, exc)) from None
    problems = check(doc, value) if check else []
    if problems:
        raise ContentError(problems)
    _CACHE[key] = (stamp, value)
    return value


def unique_ids(doc: YamlDocument, key: str, items: list[Any]) -> list[Problem]:
    """One problem per repeated ``id`` in the list ``key``."""
    seen: dict[str, int] = {}
    problems = []
    for index, item in enumerate(items):
        if item.id in seen:
            problems.append(
                doc.problem(
                    (key, index, "id"),
                    f"duplicate id '{item.id}' (also used by {key}[{seen[item.id]}]); ids must "
                    "be unique",
                )
            )
        else:
            seen[item.id] = index
    return problems
