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
    #: ``"playbook"`` (the playbook says it), ``"kit"`` (the workshop's own rule of thumb) or
    #: ``None`` (not a fact: a hint about the group's answer). The text already starts with
    #: the catalogue's words for it ("The playbook says:" ...), so every view shows it.
    basis: str | None = None

    def __str__(self) -> str:
        return f"{self.text} (Playbook: {self.section_title})"

    def as_dict(self) -> dict[str, str]:
        return {
            "text": self.text,
            "section": self.section_id,
            "section_title": self.section_title,
            "url": self.url,
            "basis": self.basis or "",
        }


def reason(catalogue: Catalogue, text: str, section_id: str, basis: str | None = None) -> Reason:
    """A reason citing ``section_id``; a ``basis`` adds the words that say whose rule it is."""
    section = catalogue.section(section_id)
    return Reason(
        text=with_basis(catalogue, basis, text),
        section_id=section.id,
        section_title=section.title,
        url=section.url,
        basis=basis,
    )


def with_basis(catalogue: Catalogue, basis: str | None, text: str) -> str:
    """``text`` led by "The playbook says:" or "A rule of thumb for this workshop ...:"."""
    if basis is None:
        return text
    return f"{catalogue.message('basis_' + basis)} {text}"


def join_words(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
