"""Breakout 3, choosing the agreement: tick every agreement a proposed share needs.

The verdict comes from the rules engine (``advise_agreements``): the agreements the share
needs, each with the reason it fits; those worth considering (publishing counts as open
data instead, when the requester does not need to know who anyone is); and notes on
agreements that work together (E-MOU, DSA and DUA). Public data needs none.

Scoring: every agreement in the catalogue is judged (ticked when needed, left alone when
not), except those only worth considering, which count either way. ``correct`` means
exactly the needed agreements are ticked. Items: every agreement needed or ticked.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ..content.catalogue import Catalogue
from ..content.models import Agreement, Entry, Id
from ..content.situations import Situation
from ..errors import Problem
from ..rules.agreements import advise_agreements, situation_from_data
from ..rules.sensitivity import lineage
from .base import (
    Breakout,
    Evaluation,
    Feedback,
    FeedbackItem,
    ItemMark,
    Kind,
    Link,
    ScenarioBase,
    Where,
    blank_evaluation,
    pinned_problems,
    section_link,
)


class SituationSpec(Entry):
    """A proposed share, as ``agreements.yaml``'s rules see it (see ``content/situations.py``)."""

    requester: Id = Field(description="who is asking: a requester id from agreements.yaml")
    categories: list[Id] = Field(
        min_length=1,
        description="category ids of the data; sensitivity, PII and PHI follow from them",
    )
    frequency: Literal["one_off", "ongoing"] = "one_off"
    parameters: Literal["fixed", "varying"] = Field(
        "fixed", description="for ongoing shares: the same transfer each time, or varying"
    )
    parties: int = Field(2, ge=1, description="agencies or organizations taking part, in all")
    contractor_handles_phi: bool = Field(
        False, description="a contractor will create, receive or keep health data for the owner"
    )
    needs_identities: bool = Field(
        False, description="the requester must know who each person is (counts will not do)"
    )
    basis: Literal["none", "grant", "service_contract"] = Field(
        "none", description="whether the relationship rests on a grant or a service contract"
    )

    def details(self) -> dict[str, Any]:
        """The situation fields other than the requester and the data's categories."""
        return self.model_dump(exclude={"requester", "categories"})


class AgreementScenario(ScenarioBase):
    situation: SituationSpec
    expected: list[Id] | None = Field(
        None,
        description="the agreement ids the scenario was written to lead to (checked by the rules)",
    )


def agreement_situation(cat: Catalogue, sc: AgreementScenario) -> Situation:
    """The :class:`~.situations.Situation` an agreement scenario describes."""
    spec = sc.situation
    return situation_from_data(cat, spec.categories, spec.requester, **spec.details())


NEEDED_MARK = "✔ Needed"  # in the answer key; a right tick says "✔ Right"
MISSED_MARK = "✘ Missed"
NEEDLESS_MARK = "✘ Not needed here"
CONSIDER_MARK = "ℹ Worth considering"
TOGETHER_SUBJECT = "Together"


def _is_abbreviation(agreement: Agreement) -> bool:
    # "MOU", "DUA / DUL"; not "None needed", which reads as words.
    return not any(ch.islower() for ch in agreement.abbreviation)


def agreement_label(agreement: Agreement) -> str:
    """'MOU: Memorandum of Understanding'; the name alone when the abbreviation is words."""
    if not _is_abbreviation(agreement):
        return agreement.name
    return f"{agreement.abbreviation}: {agreement.name}"


def agreement_subject(agreement: Agreement) -> str:
    """What a feedback line is about: 'MOU', or the name when there is no abbreviation."""
    return agreement.abbreviation if _is_abbreviation(agreement) else agreement.name


def _links(reasons: Iterable[Any]) -> tuple[Link, ...]:
    return tuple(Link.from_reason(r) for r in reasons)


# --------------------------------------------------------------------------- the verdict


def check_agreements(
    catalogue: Catalogue, situation: Situation, ticked: Iterable[str]
) -> Evaluation:
    """Judge a group's agreements for one proposed share.

    Parameters
    ----------
    situation
        The share, from :func:`~datasharing_workshop.breakouts.scenarios.agreement_situation`.
    ticked
        Ids of the agreements the group ticked (unknown ids are ignored).

    Returns
    -------
    Evaluation
        ``answer`` is ``{"agreements": [ids in catalogue order]}``; ``marks`` has every
        agreement id that was needed, ticked or worth considering.
    """
    chosen = {a for a in ticked if a in catalogue.agreements}
    if not chosen:
        return blank_evaluation({"agreements": []})
    advice = advise_agreements(catalogue, situation)
    needed = {fit.agreement.id: fit for fit in advice.needed}
    consider = {fit.agreement.id: fit for fit in advice.consider}
    level = catalogue.level(situation.sensitivity)
    items: list[FeedbackItem] = []
    marks: dict[str, Kind] = {}
    words: dict[str, str] = {}
    right = judged = missed = needless = 0
    for agreement in catalogue.agreements.values():
        a = agreement.id
        subject = agreement_subject(agreement)
        if a in consider:
            fit = consider[a]
            marks[a], words[a] = "info", CONSIDER_MARK
            items.append(
                FeedbackItem(
                    "info",
                    subject,
                    tuple(r.text for r in fit.reasons),
                    _links(fit.reasons),
                    mark=CONSIDER_MARK,
                )
            )
            continue
        judged += 1
        if a in needed:
            fit = needed[a]
            if a in chosen:
                right += 1
                marks[a] = "right"
                items.append(
                    FeedbackItem(
                        "right", subject, tuple(r.text for r in fit.reasons), _links(fit.reasons)
                    )
                )
            else:
                missed += 1
                marks[a], words[a] = "wrong", MISSED_MARK
                items.append(
                    FeedbackItem(
                        "wrong",
                        subject,
                        (*(r.text for r in fit.reasons), agreement.summary),
                        _links(fit.reasons),
                        mark=MISSED_MARK,
                    )
                )
        elif a in chosen:
            needless += 1
            marks[a], words[a] = "wrong", NEEDLESS_MARK
            links = [section_link(catalogue, agreement.source)]
            if _means_none(agreement):  # ticked "none needed" for data that is not public
                sentences = [catalogue.message("agreement_not_public", level=level.label)]
            else:
                sentences = [
                    catalogue.message(
                        "agreement_not_fit", agreement=agreement.name, summary=agreement.summary
                    )
                ]
            if advice.none_needed:
                sentences.append(catalogue.message("agreement_none_needed"))
                links.append(section_link(catalogue, "no-agreement-needed"))
            items.append(
                FeedbackItem("wrong", subject, tuple(sentences), tuple(links), mark=NEEDLESS_MARK)
            )
        else:
            right += 1
    items += [
        FeedbackItem("info", TOGETHER_SUBJECT, (r.text,), _links([r])) for r in advice.together
    ]
    correct = missed == 0 and needless == 0
    if correct:
        summary = f"Exactly the agreements this share needs: {right} of {judged} right. Well done."
    else:
        summary = f"{right} of {judged} right: {missed} missed, {needless} not needed here."
    item_marks = []
    for agreement in catalogue.agreements.values():
        a = agreement.id
        if a in consider or (a not in needed and a not in chosen):
            continue
        if a in needed:
            fit = needed[a]
            mark = "right" if a in chosen else "missed"
            reason = " ".join(r.text for r in fit.reasons)
            source = next((r.section_id for r in fit.reasons), agreement.source)
        else:
            mark, reason, source = "not_needed", agreement.summary, agreement.source
        item_marks.append(
            ItemMark(
                item=a,
                label=agreement_label(agreement),
                mark=mark,
                chosen="ticked" if a in chosen else "not ticked",
                key="needed" if a in needed else "not needed",
                reason=reason,
                source=source,
            )
        )
    return Evaluation(
        items=tuple(item_marks),
        answer={"agreements": [a for a in catalogue.agreements if a in chosen]},
        correct=correct,
        score=round(right / judged, 4) if judged else 0.0,
        feedback=Feedback(summary, tuple(items)),
        marks=marks,
        mark_words=words,
    )


def _means_none(agreement: Agreement) -> bool:
    """The catalogue's "no agreement needed" entry: it fits only public data."""
    return any(fit.when.get("data_public") is True for fit in agreement.fits)


class ChooseAgreement(Breakout):
    id = "choose_agreement"
    number = 3
    title = "Choosing the agreement"
    model = AgreementScenario
    report_note = "Each cell: whether the group ticked the agreement, and the mark."

    def check_content(self, cat: Catalogue, sc: Any, where: Where) -> None:
        super().check_content(cat, sc, where)
        situation = sc.situation
        where.ref(("situation", "requester"), situation.requester, cat.requesters, "requester")
        known = True
        for k, c in enumerate(situation.categories):
            known &= where.ref(("situation", "categories", k), c, cat.categories, "category")
        if (
            known
            and situation.contractor_handles_phi
            and not any("phi" in lineage(cat, c) for c in situation.categories)
        ):
            where.add(
                ("situation", "contractor_handles_phi"),
                "a contractor handles health information, but no category of the data is "
                "PHI; add phi to `categories` or set this to false",
            )
        for k, a in enumerate(sc.expected or []):
            where.ref(("expected", k), a, cat.agreements, "agreement")

    def check_pinned(self, cat: Catalogue, path: Path, scenario_set: str) -> list[Problem]:
        def check(sc: AgreementScenario, where: Where) -> None:
            if sc.expected is None:
                return
            ids = advise_agreements(cat, agreement_situation(cat, sc)).ids
            if set(ids) != set(sc.expected):
                where.add(
                    ("expected",),
                    f"the rules pick [{', '.join(ids) or 'nothing'}] for this scenario, not "
                    f"[{', '.join(sc.expected)}]; fix the scenario or agreements.yaml",
                )

        return pinned_problems(cat, self, path, check)

    def grade(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> Evaluation:
        ticked = answer.get("agreements")
        return check_agreements(
            cat,
            agreement_situation(cat, scenario),
            [str(a) for a in ticked] if isinstance(ticked, list) else [],
        )

    def simulate(
        self, rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
    ) -> dict[str, Any]:
        advice = advise_agreements(cat, agreement_situation(cat, scenario))
        needed = set(advice.ids)
        ticked = {a for a in needed if rng.random() < skill}
        others = [a for a in cat.agreements if a not in needed]
        if others and rng.random() < (1 - skill) * 1.5:
            ticked.add(rng.choice(others))
        if not ticked:
            ticked.add(rng.choice(list(cat.agreements)))
        return {"agreements": [a for a in cat.agreements if a in ticked]}

    def right_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        ids = set(advise_agreements(cat, agreement_situation(cat, scenario)).ids)
        return {"agreements": [a for a in cat.agreements if a in ids]}

    def wrong_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        advice = advise_agreements(cat, agreement_situation(cat, scenario))
        skip = set(advice.ids) | {f.agreement.id for f in advice.consider}
        extra = [a for a in cat.agreements if a not in skip]
        return {"agreements": extra[:1] or list(advice.ids)[:-1] or list(cat.agreements)[:1]}


BREAKOUT = ChooseAgreement()
