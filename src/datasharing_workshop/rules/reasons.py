"""A plain-language reason, always tied to the playbook section it rests on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..content.catalogue import Catalogue


@dataclass(frozen=True)
class Reason:
    """One sentence of feedback and where in the playbook to read more."""

    text: str
    section_id: str
    section_title: str
    url: str

    def __str__(self) -> str:
        return f"{self.text} (Playbook: {self.section_title})"

    def as_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "section": self.section_id,
            "section_title": self.section_title,
            "url": self.url,
        }


def reason(catalogue: Catalogue, text: str, section_id: str) -> Reason:
    section = catalogue.section(section_id)
    return Reason(text=text, section_id=section.id, section_title=section.title, url=section.url)


def join_words(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
