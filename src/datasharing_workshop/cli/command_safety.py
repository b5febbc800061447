"""What the command line does when the world, not the input, goes wrong.

- Standard output that is full (``> /dev/full``), closed (``>&-``) or otherwise failing
  becomes one message naming standard output, never a traceback.
- An unexpected exception (a bug) prints one line and the file holding the details, never a
  traceback on the screen.
"""

from __future__ import annotations

import errno
import io
import os
import sys
import traceback
from typing import Any

from ..crash_log import save_details
from ..errors import KitError


class OutputError(KitError):
    """Standard output cannot be written (full disk, closed, broken device)."""


class _GuardedStdout(io.TextIOBase):
    """Forwards to the real standard output; turns its OSErrors into :class:`OutputError`."""

    def __init__(self, stream: Any):
        self._stream = stream

    def _fail(self, exc: OSError) -> OutputError:
        return OutputError(
            f"cannot write to standard output: {exc.strerror or exc}; free some space, or "
            "write to a file with --output where the command has it"
        )

    def write(self, text: str) -> int:
        if self._stream is None:
            raise self._fail(OSError(errno.EBADF, "standard output is closed"))
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._fail(exc) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise self._fail(exc) from None

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return bool(self._stream is not None and self._stream.isatty())

    def fileno(self) -> int:
        if self._stream is None:
            raise OSError(errno.EBADF, "standard output is closed")
        return self._stream.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._stream, "encoding", None) or "utf-8"

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def guard_stdout() -> Any:
    """Replace ``sys.stdout`` with a guarded one; returns the original to restore."""
    original = sys.stdout
    if not isinstance(original, _GuardedStdout):
        sys.stdout = _GuardedStdout(original)
    return original


def finish_stdout(original: Any) -> None:
    """Flush the guarded stdout (raising :class:`OutputError`) and put the original back."""
    try:
        if isinstance(sys.stdout, _GuardedStdout):
            sys.stdout.flush()
    finally:
        sys.stdout = original


def silence_stdout() -> None:
    """Point file descriptor 1 at /dev/null so the interpreter's last flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
    except OSError:
        pass
    if sys.stdout is not None:
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until exit
        except OSError:
            sys.stdout = None  # type: ignore[assignment]


def report_internal_error(exc: BaseException) -> str:
    """Write the traceback to a log file; return the one line to print."""
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    where = save_details(details)
    summary = f"{type(exc).__name__}: {exc}".splitlines()[0] if str(exc) else type(exc).__name__
    return f"internal error ({summary[:200]}); this is a bug in the kit. Details: {where}"
