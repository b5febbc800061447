"""How sensitive a dataset is, from the categories of its fields.

A dataset is as sensitive as its most sensitive field; fields that are harmless alone but
identifying together (quasi-identifiers) lift it to the category they combine into, once
there are enough of them (``settings.quasi_identifiers_together``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..content.catalogue import Catalogue
from ..content.models import Category, Level
from ..errors import InputError
from .reasons import Reason, join_words, reason


@dataclass(frozen=True)
class Sensitivity:
    """The verdict on one dataset."""

    level: Level
    #: Category ids present, including any that quasi-identifiers combine into.
    categories: tuple[str, ...]
    #: Fields whose own category reaches ``level``.
    driving_fields: tuple[str, ...]
    quasi_identifiers: tuple[str, ...]
    quasi_combined: bool
    reasons: tuple[Reason, ...]

    @property
    def is_public(self) -> bool:
        return self.level.id == "public"


def category(catalogue: Catalogue, category_id: str) -> Category:
    try:
        return catalogue.categories[category_id]
    except KeyError:
        known = ", ".join(catalogue.categories)
        raise InputError(f"unknown category '{category_id}'; expected one of: {known}") from None


def lineage(catalogue: Catalogue, category_id: str) -> list[str]:
    """The category and every wider category it belongs to (``phi`` -> ``phi, pii``)."""
    chain, current = [], category_id
    while current and current not in chain:
        chain.append(current)
        current = catalogue.categories[current].parent or ""
    return chain


def dataset_sensitivity(
    catalogue: Catalogue, fields: Mapping[str, str] | Iterable[tuple[str, str]]
) -> Sensitivity:
    """Classify a dataset from ``{field name: category id}``.

    Examples
    --------
    >>> from datasharing_workshop.content.catalogue import load_catalogue
    >>> ct = load_catalogue("ct")
    >>> dataset_sensitivity(ct, {"zip": "quasi_identifier", "dob": "quasi_identifier"}).level.id
    'personal'
    """
    pairs = list(fields.items() if isinstance(fields, Mapping) else fields)
    if not pairs:
        raise InputError("a dataset needs at least one field to classify")
    ranks = [lv.id for lv in catalogue.levels]
    settings = catalogue.jurisdiction.settings
    present: list[str] = []
    best_rank, driving = -1, []
    quasi: list[str] = []
    combines_into: str | None = None
    quasi_source = ""
    for name, category_id in pairs:
        cat = category(catalogue, category_id)
        present.append(cat.id)
        rank = ranks.index(cat.level)
        if rank > best_rank:
            best_rank, driving = rank, [name]
        elif rank == best_rank:
            driving.append(name)
        if cat.combination:
            quasi.append(name)
            combines_into = cat.combination.counts_as
            quasi_source = cat.source
    reasons: list[Reason] = []
    combined = bool(combines_into) and len(quasi) >= settings.quasi_identifiers_together
    if combined:
        target = catalogue.categories[combines_into]  # type: ignore[index]
        present.append(target.id)
        reasons.append(
            reason(
                catalogue,
                catalogue.message(
                    "quasi_together",
                    fields=join_words(quasi),
                    count=len(quasi),
                    category=target.name,
                ),
                quasi_source,
                "kit",
            )
        )
        rank = ranks.index(target.level)
        if rank > best_rank:
            best_rank, driving = rank, list(quasi)
    level = catalogue.levels[best_rank]
    reasons.insert(
        0,
        reason(
            catalogue,
            catalogue.message("dataset_level", level=level.label, meaning=level.meaning),
            level.source,
            # Ordered levels and "as sensitive as its most sensitive field" are the kit's.
            "kit",
        ),
    )
    unique = tuple(dict.fromkeys(present))
    return Sensitivity(level, unique, tuple(driving), tuple(quasi), combined, tuple(reasons))


def categories_sensitivity(catalogue: Catalogue, categories: Iterable[str]) -> Sensitivity:
    """Sensitivity of data described only by its categories (one field per category)."""
    return dataset_sensitivity(catalogue, [(c, c) for c in categories])


def contains(catalogue: Catalogue, sensitivity: Sensitivity, category_id: str) -> bool:
    """Whether any category present is ``category_id`` or a subset of it."""
    if category_id not in catalogue.categories:
        return False
    return any(category_id in lineage(catalogue, c) for c in sensitivity.categories)
