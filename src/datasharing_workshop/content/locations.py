"""Where the workshop's files are: the facilitator's workshop folder, else what the kit ships.

A *workshop folder* is one with a ``workshop.yml`` (``datasharing-workshop init`` writes
one; the repository checkout is one too). Next to the config it may hold its own
``exercises/``, ``notebooks/`` and ``facilitator_guide/``. Whatever it does not hold comes
from the package itself (``datasharing_workshop.kit.*``), read through
:mod:`importlib.resources`, so the kit works the same from a wheel, an sdist or an
editable install, from any working directory.

Which workshop folder:

0. ``$DATASHARING_WORKSHOP_CONTENT`` and ``$DATASHARING_WORKSHOP_GUIDE``, when set, name
   the content and guide folders outright;
1. ``--config FILE`` on the command line (:func:`use_workshop`, called by the CLI), which
   sets those two variables (when unset) so that the kernels a build starts read the
   same files;
2. otherwise the first ``workshop.yml`` in the working directory or a folder above it
   (a notebook's kernel runs in ``<workshop>/notebooks``).

Nothing here imports anything but the standard library.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from ..errors import InputError

#: The package whose sub-packages hold what the kit ships (see setup.py).
KIT_PACKAGE = "datasharing_workshop.kit"
CONFIG_NAME = "workshop.yml"
CONTENT_ENV = "DATASHARING_WORKSHOP_CONTENT"
GUIDE_ENV = "DATASHARING_WORKSHOP_GUIDE"
#: What a workshop folder holds, by the name of the shipped sub-package.
FOLDERS = ("exercises", "notebooks", "facilitator_guide")


def shipped(name: str) -> Path:
    """The folder the kit ships as ``datasharing_workshop.kit.<name>``.

    Raises
    ------
    InputError
        The package is installed in a form that has no folders (a zip file).
    """
    where = resources.files(f"{KIT_PACKAGE}.{name}")
    if not isinstance(where, Path):  # pragma: no cover - zipped installs only
        raise InputError(
            f"the kit's {name} cannot be read from {where}; install the kit with pip "
            "(it needs its files unpacked)"
        )
    return where


def shipped_config() -> Path:
    """The example ``workshop.yml`` that ``init`` copies."""
    where = resources.files(KIT_PACKAGE) / CONFIG_NAME
    if not isinstance(where, Path):  # pragma: no cover - zipped installs only
        raise InputError(f"the kit's example {CONFIG_NAME} cannot be read from {where}")
    return where


def find_config(start: Path | None = None) -> Path | None:
    """The first ``workshop.yml`` in ``start`` (default: the working directory) or above."""
    folder = Path(start or Path.cwd()).absolute()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    return None


def workshop_folder() -> Path | None:
    """The folder of the workshop in use (see the module's docstring), or None."""
    config = find_config()
    return config.parent if config else None


def own_or_shipped(name: str) -> Path:
    """The workshop folder's own ``name`` folder if it has one, else the kit's."""
    folder = workshop_folder()
    if folder is not None and (folder / name).is_dir():
        return folder / name
    return shipped(name)


def use_workshop(config: Path) -> None:
    """Make ``config``'s folder the workshop in use for this process and its children.

    Its ``exercises/`` and ``facilitator_guide/`` (where it has them) are exported as
    ``$DATASHARING_WORKSHOP_CONTENT`` and ``$DATASHARING_WORKSHOP_GUIDE``: the notebooks'
    kernels inherit them.
    """
    folder = Path(config).absolute().parent
    for name, variable in (("exercises", CONTENT_ENV), ("facilitator_guide", GUIDE_ENV)):
        # A variable already set was set on purpose (a test, a hub's environment): it wins.
        if (folder / name).is_dir() and not os.environ.get(variable):
            os.environ[variable] = str(folder / name)
