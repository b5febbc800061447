"""Errors the kit raises on purpose, each with a message written for a person.

The command line prints these messages and exits with status 2 (bad input) or 1 (a build
that failed); it never shows a traceback for them. Notebooks see the same exceptions, so a
facilitator who loads a broken scenario file in JupyterLab reads the same sentence.
"""

from __future__ import annotations

from dataclasses import dataclass


class KitError(Exception):
    """Base class: ``str(error)`` is a complete message for a facilitator."""

    #: Exit status the command line uses for this kind of error.
    exit_status = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one content file.

    Parameters
    ----------
    file
        Path of the file, as the user would type it (relative where possible).
    field
        Where in the file: a path such as ``channels[3].max_size_mb``; empty for the whole file.
    message
        What was expected and what was found.
    line
        1-based line number in ``file`` when it is known.
    """

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.field:
            where = f"{where}: {self.field}"
        return f"{where}: {self.message}"


class ContentError(KitError):
    """Content under exercises/ (or a workshop config) is malformed.

    Carries every problem found, not only the first, so one run of ``validate`` lists all
    of them.
    """

    def __init__(self, problems: list[Problem]):
        # The same problem found twice (a file shared by two jurisdictions through
        # ``extends``, or read by two loaders) is reported once.
        self.problems = list(dict.fromkeys(problems))
        super().__init__(self._message())

    def _message(self) -> str:
        count = len(self.problems)
        head = "1 problem" if count == 1 else f"{count} problems"
        lines = [f"{head} found in the workshop content:"]
        lines += [f"  {p}" for p in self.problems]
        return "\n".join(lines)


class InputError(KitError):
    """A value typed on the command line or passed from a notebook is not usable."""


class StoreError(KitError):
    """The answer store cannot be opened, read or written."""


class BuildError(KitError):
    """Building the handouts failed (a notebook raised, the disk is full, ...)."""

    exit_status = 1


class NotebookError(BuildError):
    """A notebook the command was given is missing, damaged or breaks the kit's rules (an
    unknown tag, no parameters cell): bad input, exit status 2, with the file named.

    A :class:`BuildError` too, so code that catches build failures catches it.
    """

    exit_status = 2


class Interrupted(KitError):
    """A signal (SIGTERM, SIGHUP) stopped the command; what it had started was stopped too.

    Exits with 128 + the signal's number, as a shell reports a process the signal ended.
    """

    def __init__(self, signum: int, message: str):
        super().__init__(message)
        self.exit_status = 128 + int(signum)
