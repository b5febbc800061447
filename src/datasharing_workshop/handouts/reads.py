"""What a notebook's execution read: every file opened, folder listed and database opened.

The build makes each execution's cache key from what the notebook actually read, not from
a list kept by hand. Before a notebook's first cell, the build runs :data:`SETUP_CODE` in
its kernel: it adds an audit hook (PEP 578) that notes every file opened for reading
(``open``), every folder listed (``os.listdir``, ``os.scandir``, which globbing uses) and
every SQLite database connected (``sqlite3.connect``). After the last cell,
:data:`REPORT_CODE` writes what was noted to a JSON file. Whatever a content loader does
(YAML, CSV, Markdown, a cache of validated models, the answer store), the reads reach the
key without that loader knowing about the build.

The build side (:func:`relevant_reads`, :func:`digest_reads`) keeps the reads that can
change between builds (the workshop's content, guide, config, answer stores), drops
Python's own files (code is covered by the kit's code digest), and digests them: a file by
its bytes, a folder by the names in it, an answer store by its rows.

This module is imported in every kernel: it imports only the standard library.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

#: Runs in the kernel before the notebook's first cell.
SETUP_CODE = "import datasharing_workshop.handouts.reads as _dsw_reads\n_dsw_reads.start()\n"


def report_code(path: str | os.PathLike[str]) -> str:
    """Runs in the kernel after the notebook's last cell: writes the reads to ``path``."""
    return (
        "import datasharing_workshop.handouts.reads as _dsw_reads\n"
        f"_dsw_reads.report({os.fspath(path)!r})\n"
    )


#: Suffixes of files Python opens to import code; never content.
CODE_SUFFIXES = (".py", ".pyc", ".pyo", ".so", ".pyd", ".pth")

#: Modules that list folders to find code to import.
_IMPORT_MACHINERY = ("importlib", "zipimport", "pkgutil", "pkg_resources", "_frozen_importlib")

_files: set[str] = set()
_dirs: set[str] = set()
_databases: set[str] = set()
_started = False


def _absolute(path: Any) -> str | None:
    if isinstance(path, int) or path is None:
        return None  # an open file descriptor: its path was noted when it was opened
    try:
        text = os.fsdecode(path)
    except TypeError:
        return None
    return os.path.abspath(text)


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event == "open":
        path, mode, flags = args
        if mode is not None:
            if any(c in mode for c in "wax+"):
                return
        elif flags is not None and flags & (os.O_WRONLY | os.O_RDWR):
            return
        text = _absolute(path)
        if text is not None and not text.endswith(CODE_SUFFIXES):
            _files.add(text)
    elif event in ("os.listdir", "os.scandir"):
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith(_IMPORT_MACHINERY):
            return  # the import system looking for modules: code, not content
        text = _absolute(args[0] if args and args[0] is not None else ".")
        if text is not None:
            _dirs.add(text)
    elif event == "sqlite3.connect":
        database = args[0] if args else None
        text = _absolute(database)
        if text is not None and not text.endswith(":memory:"):
            _databases.add(text)


def start() -> None:
    """Start noting reads in this process (once; an audit hook cannot be removed)."""
    global _started
    if not _started:
        sys.addaudithook(_hook)
        _started = True


def reads() -> dict[str, list[str]]:
    """What was noted so far."""
    return {"files": sorted(_files), "dirs": sorted(_dirs), "databases": sorted(_databases)}


def report(path: str) -> None:
    """Write :func:`reads` as JSON to ``path`` (written aside, then moved into place)."""
    data = json.dumps(reads())
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:  # a full disk: leave no empty file behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# ------------------------------------------------------------------------------ build side


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def relevant_reads(
    raw: Mapping[str, Iterable[str]],
    *,
    keep_under: Iterable[str | os.PathLike[str]] = (),
    ignore_under: Iterable[str | os.PathLike[str]] = (),
) -> dict[str, list[str]]:
    """Drop the reads that are not the workshop's content.

    Dropped: Python's installation (``sys.prefix`` and friends), the home folder's dot
    folders (IPython, Jupyter, matplotlib caches), ``/proc``, ``/sys`` and ``/dev``, and
    anything under ``ignore_under`` (the build's output and cache). ``keep_under`` wins
    over all of these (the kit's own package folder, which may ship content).
    """
    keep = [os.path.abspath(os.fspath(p)) for p in keep_under]
    ignore = [os.path.abspath(os.fspath(p)) for p in ignore_under]
    ignore += [sys.prefix, sys.base_prefix, sys.exec_prefix, "/proc", "/sys", "/dev"]
    home = os.path.expanduser("~")
    out: dict[str, list[str]] = {}
    for kind in ("files", "dirs", "databases"):
        kept = []
        for path in raw.get(kind, ()):
            if not any(_inside(path, k) for k in keep):
                if any(_inside(path, i) for i in ignore):
                    continue
                if _inside(path, home) and path[len(home) :].lstrip(os.sep).startswith("."):
                    continue
            kept.append(path)
        out[kind] = sorted(set(kept))
    return out


def _file_state(path: str) -> str:
    from .cache import file_digest

    try:
        return file_digest(Path(path))
    except FileNotFoundError:
        return "missing"
    except IsADirectoryError:
        return "folder"
    except OSError as exc:
        return f"unreadable: {type(exc).__name__}"


def _dir_state(path: str) -> str:
    from .cache import json_digest

    try:
        return json_digest(sorted(os.listdir(path)))
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"unreadable: {type(exc).__name__}"


def database_state(path: str) -> str:
    """A digest of every row of every table of a SQLite database (its logical content).

    Logical rather than the file's bytes: a checkpoint of the write-ahead log moves bytes
    between files without changing a row, and must not start a rebuild.
    """
    import sqlite3

    from .cache import bytes_digest

    if not os.path.isfile(path):
        return "missing"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"
    try:
        import hashlib

        digest = hashlib.sha256()
        tables = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
        ).fetchall()
        for name, sql in tables:
            digest.update(f"\0table {name} {sql}\0".encode())
            quoted = '"' + name.replace('"', '""') + '"'
            for row in conn.execute(f"SELECT * FROM {quoted} ORDER BY rowid"):
                digest.update(repr(row).encode("utf-8", "backslashreplace"))
        return digest.hexdigest()
    except sqlite3.Error:
        # WITHOUT ROWID tables, a locked or damaged file: fall back to the bytes.
        parts = [_file_state(path), _file_state(path + "-wal")]
        return bytes_digest("|".join(parts).encode())
    finally:
        conn.close()


def digest_reads(reads: Mapping[str, Iterable[str]]) -> dict[str, dict[str, str]]:
    """``{"files": {path: digest}, "dirs": {...}, "databases": {...}}`` as they are now."""
    return {
        "files": {p: _file_state(p) for p in reads.get("files", ())},
        "dirs": {p: _dir_state(p) for p in reads.get("dirs", ())},
        "databases": {p: database_state(p) for p in reads.get("databases", ())},
    }


def reads_are_current(recorded: Mapping[str, Mapping[str, str]]) -> bool:
    """True when every file, folder and database recorded still has the same digest."""
    checks = (("files", _file_state), ("dirs", _dir_state), ("databases", database_state))
    for kind, state in checks:
        for path, digest in recorded.get(kind, {}).items():
            if state(path) != digest:
                return False
    return True
