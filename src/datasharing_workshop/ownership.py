"""Only write where the kit owns the place: folders it made or marked, files it wrote.

Every command that writes files (``app``, ``build``, ``answers export``, the report-back's
feedback Markdown) goes through this module, so that an ``--output`` pointed at the wrong
place is refused with a message instead of replacing or emptying someone's work.

A folder is the kit's when it holds the marker file :data:`MARKER`, a small JSON file that
lists the files the kit wrote there. A missing or empty folder is claimed (created and
marked). Anything else is refused, naming the folder and the option to choose another.
Inside its folder the kit only replaces or removes files the marker lists.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import InputError

#: The file that marks a folder as written by the kit.
MARKER = ".datasharing-workshop-output.json"
_KIT = "datasharing-workshop"
#: Names the kit ignores when deciding whether a folder is empty.
_HARMLESS = frozenset({".DS_Store", "Thumbs.db", ".ipynb_checkpoints"})


def _refuse(folder: Path, why: str, option: str) -> InputError:
    return InputError(
        f"{folder} {why}; the kit writes only into folders it created (they hold a "
        f"{MARKER} file) and never replaces what it did not write. Choose another "
        f"{option} (a new or empty folder)"
    )


class OwnedFolder:
    """A folder the kit may write into, and the files it wrote there (relative names).

    Use :meth:`claim` to get one; :meth:`save` records what was written.
    """

    def __init__(self, folder: Path, option: str, files: Iterable[str] = ()):
        self.folder = folder
        self.option = option
        self.files: set[str] = set(files)

    @classmethod
    def claim(
        cls,
        folder: str | os.PathLike[str],
        *,
        option: str,
        legacy: Callable[[Path], Iterable[str] | None] | None = None,
        create: bool = True,
    ) -> OwnedFolder:
        """The folder as the kit's own, created and marked when missing or empty.

        Parameters
        ----------
        folder
            The output folder.
        option
            The command-line option that chose it (named in the refusal).
        legacy
            For folders written by kit versions before the marker: called with the folder,
            returns the kit's files in it (relative names) when it can tell the folder is
            the kit's, else None.
        create
            Create and mark a missing folder now (else :meth:`save` does it).

        Raises
        ------
        InputError
            The path is a file, or a folder holding anything the kit did not write.
        """
        path = Path(folder).expanduser()
        if path.is_symlink() and not path.exists():
            raise _refuse(path, "is a broken symbolic link", option)
        if path.exists() and not path.is_dir():
            raise _refuse(path, "exists and is not a folder", option)
        marker = path / MARKER
        if marker.is_file():
            try:
                data = json.loads(marker.read_text(encoding="utf-8"))
                files = data["files"] if data.get("kit") == _KIT else None
            except (OSError, ValueError, TypeError, KeyError, AttributeError):
                files = None
            if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
                raise _refuse(path, f"has a damaged {MARKER}", option)
            return cls(path, option, files)
        owned = cls(path, option)
        if path.is_dir():
            entries = [p for p in path.iterdir() if p.name not in _HARMLESS]
            if entries:
                known = legacy(path) if legacy is not None else None
                if known is None:
                    names = ", ".join(sorted(p.name for p in entries)[:3])
                    more = "" if len(entries) <= 3 else f" and {len(entries) - 3} more"
                    raise _refuse(
                        path, f"already holds files the kit did not write ({names}{more})", option
                    )
                owned.files = set(known)
        if create:
            owned.save()
        return owned

    def path(self, name: str) -> Path:
        return self.folder / name

    def is_ours(self, name: str) -> bool:
        """True when the kit may replace ``name``: it wrote it, or nothing is there."""
        target = self.folder / name
        return name in self.files or not (target.exists() or target.is_symlink())

    def check_writable(self, names: Iterable[str]) -> None:
        """Refuse when any of ``names`` exists and was not written by the kit."""
        foreign = sorted(n for n in names if not self.is_ours(n))
        if foreign:
            shown = ", ".join(str(self.folder / n) for n in foreign[:3])
            more = "" if len(foreign) <= 3 else f" and {len(foreign) - 3} more"
            raise InputError(
                f"{shown}{more} already exist(s) and the kit did not write them; it never "
                f"replaces a file it did not write. Move them away or choose another "
                f"{self.option}"
            )

    def remove_stale(self, keep: Iterable[str]) -> list[str]:
        """Delete files the kit wrote here earlier that are not in ``keep``; never others."""
        keep = set(keep)
        removed = []
        for name in sorted(self.files - keep):
            target = self.folder / name
            with contextlib.suppress(FileNotFoundError):
                if target.is_file() and not target.is_symlink():
                    target.unlink()
            self.files.discard(name)
            removed.append(name)
        return removed

    def record(self, names: Iterable[str]) -> None:
        self.files.update(names)

    def save(self) -> None:
        """Create the folder if needed and write the marker with the files recorded."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = {
                "kit": _KIT,
                "about": "written by datasharing-workshop",
                "files": sorted(self.files),
            }
            text = (json.dumps(data, indent=1) + "\n").encode()
            with contextlib.suppress(OSError):
                if (self.folder / MARKER).read_bytes() == text:
                    return  # unchanged: leave the file (and its timestamp) alone
            _atomic_write(self.folder / MARKER, text)
        except OSError as exc:
            raise InputError(
                f"cannot write to {self.folder}: {exc.strerror or exc}; choose another "
                f"{self.option}"
            ) from None


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def participant_copies_only(folder: Path, names: Iterable[str] | None = None) -> list[str] | None:
    """Legacy test for an app folder: only notebooks without facilitator or answer-key cells.

    Read with the standard library (no nbformat), so a refusal is quick. ``names``, when
    given, are the only notebook names allowed.
    """
    allowed = None if names is None else set(names)
    found = [p for p in folder.iterdir() if p.name not in _HARMLESS]
    for path in found:
        if path.suffix != ".ipynb" or not path.is_file() or path.is_symlink():
            return None
        if allowed is not None and path.name not in allowed:
            return None
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
            cells = nb["cells"]
            tags = {t for c in cells for t in c.get("metadata", {}).get("tags", [])}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            return None
        if tags & {"facilitator", "answer-key"}:
            return None
    return [p.name for p in found]


# ------------------------------------------------------------------------- single files

#: Companion files of an SQLite database, which must never be replaced by an export.
STORE_COMPANIONS = ("", "-wal", "-shm", "-journal")
_SQLITE_HEADER = b"SQLite format 3\x00"


def check_export_target(
    target: str | os.PathLike[str], *, option: str, protected: Iterable[Path] = ()
) -> Path:
    """Refuse an export target that is not a new file or an ordinary file the export may replace.

    Refused: a folder, a device, a pipe or socket, a broken link, any of ``protected`` (the
    answer store) and its ``-wal``/``-shm``/``-journal`` companions (also through a link or
    another name), and any SQLite database.

    Returns
    -------
    Path
        The path to write.

    Raises
    ------
    InputError
        Naming the path and the option to choose another.
    """
    path = Path(target).expanduser()
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise InputError(
                f"{option} {path} is a broken symbolic link; choose another {option}"
            ) from None
        info = None
    except OSError as exc:
        raise InputError(f"cannot use {option} {path}: {exc.strerror or exc}") from None
    guarded: list[Path] = []
    for store in protected:
        guarded += [Path(f"{store}{suffix}") for suffix in STORE_COMPANIONS]
    resolved = path.resolve()
    for other in guarded:
        same = resolved == other.resolve()
        if not same and info is not None:
            with contextlib.suppress(OSError):
                same = os.path.samefile(path, other)
        if same:
            raise InputError(
                f"{option} {path} is the answer store ({other.name}); an export never "
                f"replaces the store. Choose another {option}"
            )
    if info is None:
        return path
    if stat.S_ISDIR(info.st_mode):
        raise InputError(
            f"{option} {path} is a folder; give a file name, e.g. {path / 'answers.csv'}"
        )
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{option} {path} is not an ordinary file (a device, pipe or socket); the kit "
            f"only writes ordinary files. Choose another {option}"
        )
    with contextlib.suppress(OSError), open(path, "rb") as handle:
        if handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER:
            raise InputError(
                f"{option} {path} is a database (an answer store?); an export never replaces "
                f"one. Choose another {option}"
            )
    return path


# ---------------------------------------------------------------- files people may edit

_STAMP_PREFIX = "<!-- written by datasharing-workshop; sha256="


def stamp_text(text: str) -> str:
    """``text`` with a last line recording its digest, so later edits can be recognised."""
    body = text if text.endswith("\n") else text + "\n"
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return f"{body}{_STAMP_PREFIX}{digest} -->\n"


def edited_since_written(path: Path) -> bool:
    """True when ``path`` exists and is not exactly what :func:`stamp_text` produced.

    A file without the stamp (written by a person, or by an older kit) counts as edited.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    except (OSError, UnicodeDecodeError):
        return True
    body, sep, last = text.rstrip("\n").rpartition("\n")
    if not sep or not last.startswith(_STAMP_PREFIX):
        return True
    digest = last.removeprefix(_STAMP_PREFIX).removesuffix(" -->")
    return hashlib.sha256((body + "\n").encode("utf-8")).hexdigest() != digest


def beside(path: Path) -> Path:
    """A free name next to ``path`` for a new version: ``name.new.md``, ``name.new-2.md``..."""
    stem, suffix = path.stem, path.suffix
    candidate = path.with_name(f"{stem}.new{suffix}")
    n = 2
    while candidate.exists() and edited_since_written(candidate):
        candidate = path.with_name(f"{stem}.new-{n}{suffix}")
        n += 1
    return candidate
