"""The vocabulary agreements are matched on: what a data share looks like.

``agreements.yaml`` says when each agreement fits with conditions over these fields
(``when: {frequency: one_off, data_public: false}``). The fields are fixed here, in code,
because the rules engine computes some of them; the values that decide each agreement are
content, so another state can change them without touching Python.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from ..errors import InputError

Frequency = Literal["one_off", "ongoing"]
Parameters = Literal["fixed", "varying"]
Basis = Literal["none", "grant", "service_contract"]


@dataclass(frozen=True)
class Situation:
    """A proposed data share, as the agreement rules see it.

    Parameters
    ----------
    requester
        Requester id from ``agreements.yaml`` (``agency``, ``researcher``, ``contractor``...).
    sensitivity
        Level id of the data (``public``, ``confidential``...); see ``categories.yaml``.
    contains_pii, contains_phi
        Whether the data identifies people, and whether it holds health information.
    frequency
        ``one_off`` for a single transfer, ``ongoing`` for a relationship over time.
    parameters
        For ongoing shares: ``fixed`` when every transfer is the same, ``varying`` otherwise.
    parties
        How many agencies or organizations take part (including the data owner).
    contractor_handles_phi
        A contractor or vendor will create, receive or keep health information for the owner.
    needs_identities
        The requester must be able to tell who each person is (otherwise counts may do).
    basis
        Whether the relationship rests on grant funding or a service contract.
    """

    requester: str
    sensitivity: str
    contains_pii: bool = False
    contains_phi: bool = False
    frequency: Frequency = "one_off"
    parameters: Parameters = "fixed"
    parties: int = 2
    contractor_handles_phi: bool = False
    needs_identities: bool = False
    basis: Basis = "none"

    @property
    def data_public(self) -> bool:
        return self.sensitivity == "public"

    def value(self, name: str) -> Any:
        return getattr(self, name)


#: field -> kind of value; ``requester`` and ``sensitivity`` take ids from the catalogue.
SITUATION_FIELDS: dict[str, Any] = {
    "data_public": bool,
    "contains_pii": bool,
    "contains_phi": bool,
    "contractor_handles_phi": bool,
    "needs_identities": bool,
    "requester": "requester",
    "sensitivity": "level",
    "frequency": ("one_off", "ongoing"),
    "parameters": ("fixed", "varying"),
    "basis": ("none", "grant", "service_contract"),
    "parties": int,
}


def _range_like(cond: Any) -> bool:
    return hasattr(cond, "min") and hasattr(cond, "max")


def check_condition(name: str, cond: Any, *, requesters: list[str], levels: list[str]) -> str:
    """Return an error message when ``cond`` cannot apply to field ``name``; else ``""``."""
    kind = SITUATION_FIELDS[name]
    if kind is bool:
        return "" if isinstance(cond, bool) else f"expected true or false, got {cond!r}"
    if kind is int:
        if _range_like(cond) and (cond.min is not None or cond.max is not None):
            return ""
        return f"expected a range such as {{min: 3}}, got {cond!r}"
    allowed = {"requester": requesters, "level": levels}.get(kind, kind)
    values = cond if isinstance(cond, list) else [cond]
    bad = [v for v in values if not isinstance(v, str) or v not in allowed]
    if bad:
        return f"unknown value {bad[0]!r}; expected one of: {', '.join(allowed)}"
    return ""


def condition_matches(situation: Situation, name: str, cond: Any) -> bool:
    actual = situation.value(name)
    if _range_like(cond):
        return (cond.min is None or actual >= cond.min) and (cond.max is None or actual <= cond.max)
    if isinstance(cond, list):
        return actual in cond
    return actual == cond


def make_situation(**values: Any) -> Situation:
    """Build a :class:`Situation` from loose values (command line, YAML), with clear errors."""
    known = {f.name for f in fields(Situation)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise InputError(
            f"unknown situation field(s) {', '.join(unknown)}; expected: {', '.join(sorted(known))}"
        )
    for name, allowed in (
        ("frequency", ("one_off", "ongoing")),
        ("parameters", ("fixed", "varying")),
        ("basis", ("none", "grant", "service_contract")),
    ):
        if name in values and values[name] not in allowed:
            raise InputError(f"{name}: expected one of {', '.join(allowed)}, got {values[name]!r}")
    if "parties" in values:
        try:
            values["parties"] = int(values["parties"])
        except (TypeError, ValueError):
            raise InputError(
                f"parties: expected a whole number, got {values['parties']!r}"
            ) from None
        if values["parties"] < 1:
            raise InputError(f"parties: expected at least 1, got {values['parties']}")
    return Situation(**values)
