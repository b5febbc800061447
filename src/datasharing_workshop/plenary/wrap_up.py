"""The wrap-up notebook's content (the agenda's session ``wrap_up``).

Next steps, reflection questions and the closing words are in
``exercises/workshop/wrap_up.yaml``; the take-home points are playbook facts, so they come
from the jurisdiction's tour (:meth:`.tour.Tour.takeaways`).

In a notebook::

    from datasharing_workshop.plenary import wrap_up
    wrap_up.takeaways(jurisdiction)
    wrap_up.next_steps(jurisdiction)
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from ..content.catalogue import load_catalogue
from ..content.models import Entry, Text
from ..content.workshop import load_model, workshop_file
from .agenda import TitledText
from .display import HtmlBlock, bullet_list, escape

__all__ = ["closing", "load_wrap_up", "next_steps", "reflection", "takeaways"]


class WrapUpFile(Entry):
    next_steps: list[TitledText] = Field(min_length=1)
    reflection: list[Text] = Field(min_length=1)
    closing: Text


def load_wrap_up(path: str | Path | None = None) -> WrapUpFile:
    """Load and check ``exercises/workshop/wrap_up.yaml``."""
    return load_model(Path(path) if path else workshop_file("wrap_up.yaml"), WrapUpFile)


def takeaways(jurisdiction: str = "ct") -> HtmlBlock:
    """What to remember, each point linked to its playbook section."""
    from .tour import load_tour

    return load_tour(jurisdiction).takeaways()


def next_steps(jurisdiction: str = "ct") -> HtmlBlock:
    """What to do next week, and where the playbook and its repository are."""
    data = load_wrap_up()
    playbook = load_catalogue(jurisdiction).jurisdiction.playbook
    items = [f"<strong>{escape(s.title)}.</strong> {escape(s.text)}" for s in data.next_steps]
    links = ""
    if playbook is not None:
        links = (
            f'<p>The playbook: <a href="{escape(playbook.url)}">{escape(playbook.title)}</a>'
            f" ({escape(playbook.version)})."
        )
        if playbook.repository:
            links += (
                f' Suggest a change: <a href="{escape(playbook.repository)}/issues">'
                f"{escape(playbook.repository)}/issues</a>."
            )
        links += "</p>"
    text = "\n".join(f"- {s.title}. {s.text}" for s in data.next_steps)
    return HtmlBlock(bullet_list(items, ordered=True, css="dsw-next-steps") + links, text)


def reflection() -> HtmlBlock:
    """Questions for a last round in the room."""
    questions = load_wrap_up().reflection
    return HtmlBlock(
        bullet_list(escape(q) for q in questions), "\n".join(f"- {q}" for q in questions)
    )


def closing() -> HtmlBlock:
    """The closing words."""
    text = load_wrap_up().closing
    return HtmlBlock(f"<p><strong>{escape(text)}</strong></p>", text)
