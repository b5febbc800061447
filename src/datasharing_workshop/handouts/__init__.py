"""Build participant, facilitator and per-group HTML handouts from the workshop notebooks.

``datasharing-workshop build`` (``datasharing_workshop.cli.commands.build``) calls
:func:`datasharing_workshop.handouts.build.build_handouts`. The work is split so that a
rebuild with nothing changed never imports nbformat, papermill or nbconvert (together about
three seconds here):

``contract``
    What a workshop notebook may contain: cell tags, ``metadata.datasharing_workshop``,
    the parameters cell. Read from the notebook's JSON with the standard library.
``config``
    ``workshop.yml``: a pydantic model, checked with file, line and field in every message.
``cache``
    Hashes, the manifest of what was built from what, atomic writes.
``answers``
    A group's latest answers from the answer store, and their digest.
``build``
    The plan (what must run, what can be reused), the process pool, the report.
``worker``
    What runs in each worker process: execute with papermill, then render every variant.
``execute``, ``preprocessors``, ``variants``, ``render``
    The heavy part, imported only inside worker processes.

Importing this package imports nothing but :mod:`pathlib` and :mod:`importlib.resources`.
"""

from importlib.resources import files as _files
from pathlib import Path as _Path

#: The kit's nbconvert template folder (``templates/handout``, extending ``lab``).
TEMPLATE_BASEDIR = _Path(str(_files("datasharing_workshop") / "templates"))
TEMPLATE_NAME = "handout"
TEMPLATE_DIR = TEMPLATE_BASEDIR / TEMPLATE_NAME
