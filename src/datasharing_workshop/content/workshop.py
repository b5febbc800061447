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

__all__ = ["WORKSHOP_FOLDER", "load_model", "validate_workshop", "workshop_file"]

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


def validate_workshop(jurisdictions: list[str] | None = None) -> list[Problem]:
    """Check every workshop-level file, each jurisdiction's tour and the facilitator guide.

    Meant for ``datasharing-workshop validate``, next to the catalogue checks: the agenda,
    welcome, observation form, report-back wording, wrap-up and simulated notes under
    ``exercises/workshop/``; ``tour.yaml`` of each jurisdiction; the guide's pages.

    Parameters
    ----------
    jurisdictions
        Jurisdiction ids whose tour to check (default: every one found).

    Returns
    -------
    list of Problem
        Empty when everything is valid.
    """
    from ..plenary.agenda import load_agenda, load_welcome
    from ..plenary.observations import load_form
    from ..plenary.tour import load_tour
    from ..plenary.wrap_up import load_wrap_up
    from ..reportback.prompts import load_report_back_text
    from ..reportback.simulate import load_simulated_notes
    from .catalogue import available_jurisdictions
    from .guide import guide_pages

    checks: list[Callable[[], object]] = [
        load_agenda,
        load_welcome,
        load_form,
        load_report_back_text,
        load_wrap_up,
        load_simulated_notes,
        guide_pages,
    ]
    for jurisdiction in jurisdictions or available_jurisdictions():
        checks.append(lambda j=jurisdiction: load_tour(j))
    problems: list[Problem] = []
    for check in checks:
        try:
            check()
        except ContentError as exc:
            problems += [p for p in exc.problems if p not in problems]
    return problems
