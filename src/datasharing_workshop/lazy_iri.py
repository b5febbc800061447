"""Put off building jsonschema's IRI grammar until an IRI is really checked.

``import nbformat`` imports jsonschema, whose format checkers import ``rfc3987_syntax``
when it is installed (jupyter-events, which Jupyter Server needs, requires it). That
package builds an Earley parser for the whole IRI grammar while it is imported: 1 to 5 s
of processor time in every process that reads a notebook, before the kit can even say
that a file is damaged. No notebook schema checks an IRI, so in the kit's processes the
grammar is built the first time an IRI is checked, not at import. Checks behave exactly
as before: the first call imports the real package and hands every call to it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import Any

NAME = "rfc3987_syntax"


def install() -> None:
    """Stand a light placeholder in for ``rfc3987_syntax`` until it is used.

    Does nothing when the package is not installed, is already imported, or jsonschema
    (which imports it) already ran.
    """
    if NAME in sys.modules or "jsonschema" in sys.modules:
        return
    try:
        if importlib.util.find_spec(NAME) is None:
            return
    except (ImportError, ValueError):
        return
    placeholder = types.ModuleType(NAME, "Placeholder: the real module is imported on use.")

    def real() -> types.ModuleType:
        if sys.modules.get(NAME) is placeholder:
            del sys.modules[NAME]
        return importlib.import_module(NAME)

    def is_valid_syntax(term: str, value: str) -> bool:
        return real().is_valid_syntax(term, value)

    def __getattr__(attribute: str) -> Any:
        # The import system asks for __path__, __spec__... on every `from ... import`:
        # answering those must not import the real package.
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return getattr(real(), attribute)

    placeholder.is_valid_syntax = is_valid_syntax  # type: ignore[attr-defined]
    placeholder.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules[NAME] = placeholder
