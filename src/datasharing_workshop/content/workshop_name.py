"""The one workshop name: ``workshop_id`` in workshop.yml (or the file ``--config`` names).

Every command and notebook that saves or reads answers takes the name from here when it is
not given explicitly, so there is no second default that could split a workshop's answers.
A notebook finds the file the way a person would: ``$DATASHARING_WORKSHOP_CONFIG`` if set,
else ``workshop.yml`` in the current folder or the nearest folder above it.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

from ..errors import InputError

CONFIG_FILE = "workshop.yml"
CONFIG_ENV = "DATASHARING_WORKSHOP_CONFIG"


def find_config(start: Path | None = None) -> Path | None:
    """The workshop config a notebook or command uses when none is named, or None."""
    named = os.environ.get(CONFIG_ENV, "").strip()
    if named:
        return Path(named).expanduser()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate
    return None


def configured_workshop_id(config: str | os.PathLike[str] | None = None) -> str:
    """``workshop_id`` from ``config`` (default: :func:`find_config`).

    Raises
    ------
    InputError
        No config found, or it has no usable ``workshop_id``; the message names the file.
    """
    import yaml

    path = Path(config) if config else find_config()
    if path is None:
        raise InputError(
            f"no {CONFIG_FILE} found in {Path.cwd()} or the folders above it, so the "
            f"workshop's name is unknown; set workshop_id, or point {CONFIG_ENV} at the "
            "workshop's config"
        )
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the workshop config ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    value = data.get("workshop_id") if isinstance(data, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{path}: workshop_id: expected the workshop's name, got {value!r}")
    return value.strip()


def configured_store_path(config: str | os.PathLike[str] | None = None) -> str:
    """``store_path`` of the workshop config (default: :func:`find_config`), or "".

    A file is returned as an absolute path, taken relative to the config's folder as
    ``build`` and ``serve`` read it; a ``postgresql://`` URL as written. "" when there is no
    config, it names no store, or it cannot be read (the command or notebook that needs
    the config reports that itself).
    """
    path = Path(config) if config else find_config()
    if path is None:
        return ""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return ""
    return _store_path_in(str(path.absolute()), stamp)


@functools.lru_cache(maxsize=8)
def _store_path_in(path: str, stamp: int) -> str:
    """Read once per file version: a notebook asks on every Check."""
    from ..errors import ContentError
    from .yaml_source import read_yaml

    try:
        data = read_yaml(Path(path)).data
    except ContentError:
        return ""
    chosen = data.get("store_path") if isinstance(data, dict) else None
    if not isinstance(chosen, str) or not chosen.strip():
        return ""
    chosen = chosen.strip()
    scheme, sep, _ = chosen.partition("://")
    if sep and scheme.isalpha():  # a URL (the store checks it), never a path
        return chosen
    return os.fspath(Path(path).parent / Path(chosen).expanduser())


def other_workshops_note(found: list[str], wanted: str) -> str:
    """What to say when a store has no answers for ``wanted`` but has some for others."""
    others = [name for name in found if name != wanted]
    if not others:
        return ""
    return (
        f"The store holds no answers for workshop '{wanted}', but it does for: "
        f"{', '.join(repr(n) for n in others)}. Check workshop_id in workshop.yml "
        "(or --config)."
    )
