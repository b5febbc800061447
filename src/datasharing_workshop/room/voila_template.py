"""The kit's Voilà page template, ``datasharing``: Voilà's "lab" page with nothing fetched
from the internet and a notice when a page's kernel was stopped (see its ``index.html.j2``
under ``jupyter/voila/templates/datasharing``).

Voilà finds templates in the Jupyter data folders, so the kit's folder goes first on
``JUPYTER_PATH`` in the processes that serve pages (``serve``, ``serve --hub``, ``app``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

TEMPLATE = "datasharing"
DATA_DIR = Path(__file__).parent / "jupyter"


def environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the kit's folder first on
    ``JUPYTER_PATH``, where Voilà looks for templates."""
    env = dict(os.environ if base is None else base)
    rest = [p for p in env.get("JUPYTER_PATH", "").split(os.pathsep) if p and p != str(DATA_DIR)]
    env["JUPYTER_PATH"] = os.pathsep.join([str(DATA_DIR), *rest])
    return env


def use_in_this_process() -> None:
    """Make Voilà, started in this process, find the kit's template."""
    os.environ["JUPYTER_PATH"] = environment()["JUPYTER_PATH"]


def main() -> int:
    """``python -m datasharing_workshop.room.voila_template ARGS``: Voilà's own command
    with the kit's template on the path, so a ``voila`` command line needs no environment."""
    use_in_this_process()
    from voila.app import main as voila_main

    return voila_main() or 0


if __name__ == "__main__":
    raise SystemExit(main())
