"""Walk an ipywidgets tree, for tests that look for a control or a text anywhere in it."""

from __future__ import annotations

from collections.abc import Iterator

import ipywidgets as widgets


def walk(widget: widgets.Widget) -> Iterator[widgets.Widget]:
    """The widget and every widget inside it, depth first."""
    yield widget
    for child in getattr(widget, "children", ()):
        yield from walk(child)
