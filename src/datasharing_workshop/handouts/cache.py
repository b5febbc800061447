"""Keys, the build manifest and atomic writes: what lets a rebuild skip work safely.

Two kinds of key, both sha256 over a small JSON document:

* an **execution key** per notebook: the notebook's bytes, the parameters it is run with,
  the content files it reads, the kit's version (and, for a notebook that shows saved
  answers, those answers). Same key: the executed notebook in the cache is reused.
* a **render key** per handout: the execution key, the variant, the template folder, the
  workshop facts printed on the handout, and for a group handout that group's answers.
  Same key and the file on disk is the one we wrote: nothing is rewritten.

Content is hashed, not timestamps, so ``git checkout`` or a copy does not trigger work;
an edit does.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

MANIFEST_VERSION = 1


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:  # hashlib.file_digest needs Python 3.11
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def bytes_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def json_digest(value: Any) -> str:
    """A stable digest of a JSON-able value (keys sorted, no whitespace)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return bytes_digest(text.encode("utf-8"))


def files_digest(paths: Iterable[Path]) -> dict[str, str]:
    """``{path: sha256}`` for each file; a missing file is recorded as ``"missing"``."""
    out = {}
    for path in sorted({Path(p).resolve() for p in paths}):
        out[str(path)] = file_digest(path) if path.is_file() else "missing"
    return out


def tree_digest(folder: Path) -> str:
    """Digest of every file's relative path and bytes under ``folder`` (the template)."""
    items = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            items[path.relative_to(folder).as_posix()] = file_digest(path)
    return json_digest(items)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _new_temporary(path: Path) -> str:
    """A temporary file next to ``path`` with ordinary permissions.

    ``mkstemp`` creates files readable by their owner only; handouts are copied to shared
    drives and served, so they get the permissions any new file would (0666 less umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())
    return tmp


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    The bytes go to a temporary file in the same folder, which then replaces ``path`` in one
    ``os.replace``; on any failure the temporary file is removed and ``path`` is untouched.
    """
    tmp = _new_temporary(path)
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def staged_path(path: Path) -> Path:
    """A temporary name next to ``path``, for a file written now and moved into place later."""
    return Path(_new_temporary(path))


@dataclass
class OutputRecord:
    """One handout as last written."""

    key: str
    sha256: str
    size: int
    notebook: str
    variant: str
    group: str = ""
    title: str = ""


@dataclass
class Manifest:
    """What the last builds produced: executed notebooks and handouts, with their keys.

    Stored as JSON in the cache folder; a missing or unreadable manifest just means
    everything is built again.
    """

    path: Path
    #: notebook stem -> {"key": execution key, "file": executed notebook path}
    executions: dict[str, dict[str, str]] = field(default_factory=dict)
    #: absolute handout path -> OutputRecord
    outputs: dict[str, OutputRecord] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != MANIFEST_VERSION:
                return cls(path)
            return cls(
                path,
                executions=dict(data.get("executions", {})),
                outputs={k: OutputRecord(**v) for k, v in data.get("outputs", {}).items()},
            )
        except (OSError, ValueError, TypeError):
            return cls(path)

    def save(self) -> None:
        data = {
            "version": MANIFEST_VERSION,
            "executions": dict(sorted(self.executions.items())),
            "outputs": {k: asdict(v) for k, v in sorted(self.outputs.items())},
        }
        text = (json.dumps(data, indent=1) + "\n").encode("utf-8")
        with contextlib.suppress(OSError):
            if self.path.read_bytes() == text:
                return  # unchanged: leave the file (and its timestamp) alone
        atomic_write_bytes(self.path, text)

    def cached_execution(self, stem: str, key: str) -> Path | None:
        """The executed notebook for this key, if the cache still holds it."""
        entry = self.executions.get(stem)
        if entry and entry.get("key") == key and Path(entry.get("file", "")).is_file():
            return Path(entry["file"])
        return None

    def intact_sha(self, path: Path) -> str:
        """sha256 of ``path`` if it holds exactly what we last wrote there, else ""."""
        record = self.outputs.get(str(path))
        if record is None:
            return ""
        try:
            if path.stat().st_size != record.size or file_digest(path) != record.sha256:
                return ""
        except OSError:
            return ""
        return record.sha256

    def output_is_current(self, path: Path, key: str) -> bool:
        """True when ``path`` holds exactly what we last wrote for this key."""
        record = self.outputs.get(str(path))
        if record is None or record.key != key:
            return False
        try:
            if path.stat().st_size != record.size:
                return False
            return file_digest(path) == record.sha256
        except OSError:
            return False
