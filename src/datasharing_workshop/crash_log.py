"""Where the details of an unexpected failure go: a log file, named in a one-line message."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path


def save_details(details: str) -> str:
    """Write ``details`` (a traceback) to a new log file; return its path, or why not."""
    for folder in (Path(tempfile.gettempdir()), Path.home()):
        try:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            fd, name = tempfile.mkstemp(
                prefix=f"datasharing-workshop-error-{stamp}-", suffix=".log", dir=folder
            )
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(details)
            return name
        except OSError:
            continue
    return "not saved: no folder could be written"
