"""Which legal agreements fit a data share, and which of them work together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..content.catalogue import Catalogue
from ..content.models import Agreement
from ..content.situations import Situation, condition_matches, make_situation
from ..errors import InputError
from .reasons import Reason, join_words, reason
from .sensitivity import categories_sensitivity, contains


@dataclass(frozen=True)
class AgreementFit:
    agreement: Agreement
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class AgreementAdvice:
    situation: Situation
    #: The agreements the share needs: the answer key.
    needed: tuple[AgreementFit, ...]
    #: Worth considering, but not required.
    consider: tuple[AgreementFit, ...]
    #: Notes on agreements that usually work together.
    together: tuple[Reason, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(f.agreement.id for f in self.needed)

    @property
    def none_needed(self) -> bool:
        return self.situation.data_public


def check_situation(catalogue: Catalogue, situation: Situation) -> None:
    if situation.requester not in catalogue.requesters:
        raise InputError(
            f"unknown requester '{situation.requester}'; expected one of: "
            f"{', '.join(catalogue.requesters)}"
        )
    if situation.sensitivity not in [lv.id for lv in catalogue.levels]:
        raise InputError(
            f"unknown sensitivity '{situation.sensitivity}'; expected one of: "
            f"{', '.join(lv.id for lv in catalogue.levels)}"
        )


def situation_from_data(
    catalogue: Catalogue, categories: Iterable[str], requester: str, **details: object
) -> Situation:
    """A :class:`Situation` whose sensitivity, PII and PHI flags come from the data's categories."""
    sens = categories_sensitivity(catalogue, categories)
    return make_situation(
        requester=requester,
        sensitivity=sens.level.id,
        contains_pii=contains(catalogue, sens, "pii"),
        contains_phi=contains(catalogue, sens, "phi"),
        **details,
    )


def _matches(situation: Situation, when: dict) -> bool:
    return all(condition_matches(situation, name, cond) for name, cond in when.items())


def advise_agreements(catalogue: Catalogue, situation: Situation) -> AgreementAdvice:
    """The agreements that fit ``situation``, each with the reason it fits.

    Public data needs no agreement, so when the data is public the answer is only the
    catalogue's "none needed" entry (every agreement whose rules match public data).
    """
    check_situation(catalogue, situation)
    needed: list[AgreementFit] = []
    consider: list[AgreementFit] = []
    for agreement in catalogue.agreements.values():
        hits = [f for f in agreement.fits if _matches(situation, f.when)]
        required = [
            reason(catalogue, f.reason, agreement.source, f.basis)
            for f in hits
            if not f.consider_only
        ]
        optional = [
            reason(catalogue, f.reason, agreement.source, f.basis) for f in hits if f.consider_only
        ]
        if required:
            needed.append(AgreementFit(agreement, tuple(required)))
        elif optional:
            consider.append(AgreementFit(agreement, tuple(optional)))
    if situation.data_public:
        # An agreement governs non-public data; keep only entries whose rule asked for public.
        needed = [
            f
            for f in needed
            if any(fit.when.get("data_public") is True for fit in f.agreement.fits)
        ]
    ids = {f.agreement.id for f in needed}
    together = []
    for group in catalogue.works_together:
        present = [a for a in group.agreements if a in ids]
        if len(present) >= 2:
            names = join_words([catalogue.agreements[a].abbreviation for a in group.agreements])
            together.append(
                reason(
                    catalogue,
                    catalogue.message(
                        "agreement_works_together", agreements=names, explanation=group.explanation
                    ),
                    group.source,
                    group.basis,
                )
            )
    return AgreementAdvice(situation, tuple(needed), tuple(consider), tuple(together))
