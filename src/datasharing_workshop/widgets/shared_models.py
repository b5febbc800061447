"""One layout and one style model shared by every widget of a page that keeps the defaults.

ipywidgets gives every widget a layout model of its own, and each styled widget a style
model of its own, even when nothing sets them: breakout 1's six scenarios made 436 widget
models, 278 of them default layouts and styles. Each is a message from the kernel and an
object in the browser, so opening a page cost the kernel about 0.16 s of processor time,
most of it on models that all say "default" (a room of 30 opening a breakout at once on a
2-core laptop waits for that). Inside :func:`shared_default_models`, widgets created
without an explicit ``layout`` or ``style`` share one model per kind instead, and the same
style or layout given as a dict (``style={"description_width": "10ch"}``) is one model.

Safe because the kit never changes a widget's layout or style after creating it (a widget
that needs its own passes ``layout=`` or ``style=``); a test checks that.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets

#: The widget classes the breakouts build; their ``layout`` and ``style`` traits.
CLASSES = (
    widgets.HTML,
    widgets.Label,
    widgets.Dropdown,
    widgets.RadioButtons,
    widgets.Checkbox,
    widgets.Button,
    widgets.HBox,
    widgets.VBox,
    widgets.Textarea,
    widgets.Text,
    widgets.SelectMultiple,
)


def _default_traits() -> list[Any]:
    found: dict[int, Any] = {}
    for cls in CLASSES:
        traits = cls.class_traits()
        for name in ("layout", "style"):
            trait = traits.get(name)
            if trait is not None and hasattr(trait, "make_dynamic_default"):
                found.setdefault(id(trait), trait)
    return list(found.values())


@contextlib.contextmanager
def shared_default_models() -> Iterator[None]:
    """While inside, a widget's default layout or style is one shared model per kind."""
    patched = []
    for trait in _default_traits():
        make = trait.make_dynamic_default
        made: list[Any] = []

        def shared(make: Any = make, made: list[Any] = made) -> Any:
            if not made:
                made.append(make())
            return made[0]

        validate = trait.validate
        by_value: dict[tuple, Any] = {}

        def same_for_same_dict(
            obj: Any, value: Any, validate: Any = validate, by_value: dict = by_value
        ) -> Any:
            # style={"description_width": "10ch"} on every list of a page: one model.
            if isinstance(value, dict):
                key = tuple(sorted(value.items()))
                if key not in by_value:
                    by_value[key] = validate(obj, value)
                return by_value[key]
            return validate(obj, value)

        trait.make_dynamic_default = shared
        trait.validate = same_for_same_dict
        patched.append(trait)
    try:
        yield
    finally:
        for trait in patched:
            del trait.make_dynamic_default  # the class's own methods again
            del trait.validate
