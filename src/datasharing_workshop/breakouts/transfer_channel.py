"""Breakout 2, choosing a transfer channel: pick a channel and the steps before sending.

The verdict comes from the rules engine (``advise_transfer``): whether the chosen channel
may carry the file, with every reason it may not (not secure enough, over a size limit,
cannot reach the recipient), and which of the catalogue's steps apply. Steps are judged
against the chosen channel when it is allowed, otherwise against the best channel.

Scoring: one point for an allowed channel and one per step judged right (ticked when
needed, left alone when not), divided by one plus the number of steps. ``correct`` means
an allowed channel and exactly the steps it needs. Items: the channel (right when it is
the best, nearly when allowed but not the best), then every step needed or ticked.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator

from ..content.catalogue import Catalogue
from ..content.models import Channel, Entry, Id, Text
from ..content.sizes import format_size, parse_size
from ..content.yaml_source import display_path
from ..errors import ContentError, InputError, Problem
from ..rules.reasons import with_basis
from ..rules.transfer import (
    Transfer,
    advise_transfer,
    make_transfer,
    no_channel_reason,
    steps_before_sending,
)
from .base import (
    Breakout,
    Evaluation,
    Feedback,
    FeedbackItem,
    ItemMark,
    Kind,
    Link,
    Mark,
    ScenarioBase,
    Where,
    blank_evaluation,
    load_file,
    pinned_problems,
    weighted,
)
from .classify_data import BREAKOUT as CLASSIFY

ALLOWED_MARK = "✔ Allowed"
REFUSED_MARK = "✘ Not allowed"
MISSED_MARK = "✘ Missed step"
NEEDLESS_MARK = "✘ Not needed here"
BEST_MARK = "ℹ Best choice"


class TransferData(Entry):
    categories: list[Id] = Field([], description="category ids in the file")
    dataset: str = Field("", description="or: the id of a classify_data scenario's dataset")


class TransferScenario(ScenarioBase):
    data: TransferData
    size: Text = Field(description="file size, for example '3 GB'")
    recipient: Id
    frequency: Literal["one_off", "recurring"] = "one_off"
    deidentified_ok: bool = Field(
        False, description="the request can be met without knowing who anyone is"
    )
    expected_best: Id | None = Field(
        None, description="the channel the scenario was written to lead to (checked by the rules)"
    )

    @field_validator("size")
    @classmethod
    def _size(cls, value: str) -> str:
        try:
            parse_size(value)
        except InputError as exc:
            raise ValueError(str(exc)) from None
        return value


def transfer_categories(cat: Catalogue, sc: TransferScenario, scenario_set: str) -> list[str]:
    """The categories a transfer scenario's file holds (its own, or its dataset's fields)."""
    if sc.data.categories:
        return list(sc.data.categories)
    path = cat.folder / "scenarios" / scenario_set / f"{CLASSIFY.id}.yaml"
    scenarios, _ = load_file(cat, CLASSIFY, path) if path.exists() else ([], [])
    for other in scenarios:
        if other.id == sc.data.dataset:
            return [f.category for f in other.dataset.fields]
    known = ", ".join(s.id for s in scenarios) or "none"
    raise ContentError(
        [
            Problem(
                display_path(path),
                "",
                f"no classify_data scenario '{sc.data.dataset}'; expected one of: {known}",
            )
        ]
    )


_STEP_ATTRIBUTE = {
    "channel_setup": "setup",
    "channel_purges": "retention_days",
    "over_notice_threshold": "notify_it_over",
}


def step_label(catalogue: Catalogue, step_id: str, channel_id: str | None = None) -> str:
    """A step's sentence for a checkbox, filled in for the chosen channel.

    When the chosen channel (or no channel) lacks what the step talks about (a purge
    period, a set-up contact, an IT notice threshold), the first channel in order of
    preference that has it fills the sentence, so the label always reads as a real step.
    """
    step = catalogue.steps[step_id]
    chan: Channel | None = catalogue.channels.get(channel_id or "")
    attribute = _STEP_ATTRIBUTE.get(step.applies_when)
    if attribute and (chan is None or not getattr(chan, attribute)):
        ranked = sorted(catalogue.channels.values(), key=lambda c: (c.preference, c.id))
        chan = next((c for c in ranked if getattr(c, attribute)), chan)
    if chan is None:
        chan = next(iter(catalogue.channels.values()))
    threshold = chan.notify_it_over
    values = {
        "channel": chan.short,
        "days": chan.retention_days or "",
        "threshold": format_size(threshold.max_bytes) if threshold and threshold.max_bytes else "",
        "setup": chan.setup,
    }
    return step.text.format(**values)


def scenario_transfer(
    catalogue: Catalogue, scenario: TransferScenario, scenario_set: str
) -> Transfer:
    """The file a scenario describes, for the rules engine."""
    categories = transfer_categories(catalogue, scenario, scenario_set)
    return make_transfer(
        catalogue,
        categories,
        scenario.size,
        scenario.recipient,
        deidentified_ok=scenario.deidentified_ok,
    )


def _best_sentence(catalogue: Catalogue, channel_name: str) -> str:
    # The order of preference among allowed channels is the workshop's, not the playbook's.
    return with_basis(catalogue, "kit", catalogue.message("channel_best", channel=channel_name))


def _links(reasons: Iterable[Any]) -> tuple[Link, ...]:
    return tuple(Link.from_reason(r) for r in reasons)


# --------------------------------------------------------------------------- the verdict


def check_transfer(
    catalogue: Catalogue,
    transfer: Transfer,
    channel_id: str | None,
    steps: Iterable[str],
) -> Evaluation:
    """Judge a group's channel and steps for one transfer.

    Parameters
    ----------
    transfer
        The file a scenario describes, from :func:`scenario_transfer`.
    channel_id
        The chosen channel id, or ``None``/``""`` when none is chosen.
    steps
        Ids of the ticked steps.

    Returns
    -------
    Evaluation
        ``answer`` is ``{"channel": id, "steps": [ids in catalogue order]}``; ``marks``
        has ``"channel"`` and each step id that was needed or ticked.
    """
    ticked = {s for s in steps if s in catalogue.steps}
    if not ticked and channel_id not in catalogue.channels:
        return blank_evaluation(
            {"channel": "", "steps": []} if not channel_id else {"channel": channel_id, "steps": []}
        )
    advice = advise_transfer(catalogue, transfer)
    best = advice.best
    items: list[FeedbackItem] = []
    marks: dict[str, Kind] = {}
    words: dict[str, str] = {}
    chosen = advice.verdict(channel_id) if channel_id in catalogue.channels else None

    if chosen is None:
        marks["channel"] = "wrong"
        items.append(FeedbackItem("wrong", "Channel", ("No channel chosen yet.",)))
    elif chosen.allowed:
        marks["channel"], words["channel"] = "right", ALLOWED_MARK
        sentences = [r.text for r in chosen.reasons]
        if best is not None and best.channel.id == chosen.channel.id:
            sentences.append(_best_sentence(catalogue, best.channel.name))
        items.append(
            FeedbackItem(
                "right",
                chosen.channel.name,
                tuple(sentences),
                _links(chosen.reasons),
                mark=ALLOWED_MARK,
            )
        )
        items += [
            FeedbackItem("info", chosen.channel.short, (w.text,), _links([w]))
            for w in chosen.warnings
        ]
    else:
        marks["channel"], words["channel"] = "wrong", REFUSED_MARK
        items.append(
            FeedbackItem(
                "wrong",
                chosen.channel.name,
                tuple(r.text for r in chosen.reasons),
                _links(chosen.reasons),
                mark=REFUSED_MARK,
            )
        )

    if best is None:
        reason = no_channel_reason(catalogue, advice)
        items.append(FeedbackItem("info", "", (reason.text,), _links([reason])))
    elif chosen is None or best.channel.id != chosen.channel.id:
        items.append(
            FeedbackItem(
                "info",
                "",
                (
                    _best_sentence(catalogue, best.channel.name),
                    *(r.text for r in best.reasons),
                ),
                _links(best.reasons),
                mark=BEST_MARK,
            )
        )

    reference = chosen if chosen is not None and chosen.allowed else best
    needed = {}
    if reference is not None:
        needed = {
            s.id: s
            for s in steps_before_sending(
                catalogue, transfer, reference.channel.id, advice.sensitivity
            )
        }
        if reference is not chosen:
            key = "steps_checked_for" if chosen is None else "steps_checked_for_refused"
            note = catalogue.message(key, channel=reference.channel.short)
            items.append(FeedbackItem("info", "", (note,)))
    steps_right = 0
    for step in catalogue.steps.values():
        if step.id in needed:
            advice_step = needed[step.id]
            if step.id in ticked:
                steps_right += 1
                marks[step.id] = "right"
                sentences = [advice_step.reason.text]
                if step.applies_when == "deidentifiable" and chosen is not None and chosen.allowed:
                    # "Aggregate first, then a secure channel": the answer the playbook backs.
                    sentences.append(catalogue.message("steps_deidentify_first"))
                items.append(
                    FeedbackItem("right", "Step", tuple(sentences), _links([advice_step.reason]))
                )
            else:
                marks[step.id], words[step.id] = "wrong", MISSED_MARK
                items.append(
                    FeedbackItem(
                        "wrong",
                        "Step",
                        (advice_step.reason.text,),
                        _links([advice_step.reason]),
                        mark=MISSED_MARK,
                    )
                )
        elif step.id in ticked:
            marks[step.id], words[step.id] = "wrong", NEEDLESS_MARK
            section = catalogue.section(step.source)
            label = step_label(
                catalogue, step.id, reference.channel.id if reference else channel_id
            )
            items.append(
                FeedbackItem(
                    "wrong",
                    "Step",
                    (label,),
                    (Link(section.title, section.url),),
                    mark=NEEDLESS_MARK,
                )
            )
        else:
            steps_right += 1

    channel_ok = chosen is not None and chosen.allowed
    missed = sum(1 for s in needed if s not in ticked)
    needless = sum(1 for s in ticked if s not in needed)
    correct = channel_ok and missed == 0 and needless == 0
    total_steps = len(catalogue.steps)
    score = ((1 if channel_ok else 0) + steps_right) / (1 + total_steps)
    if chosen is None:
        head = "No channel chosen yet."
    elif channel_ok:
        head = "Your channel can carry this file."
    else:
        head = "Your channel cannot carry this file."
    summary = f"{head} Steps: {steps_right} of {total_steps} right."
    if correct:
        summary += " Well done."
    answer = {
        "channel": channel_id or "",
        "steps": [s for s in catalogue.steps if s in ticked],
    }
    return Evaluation(
        answer=answer,
        correct=correct,
        score=round(score, 4),
        feedback=Feedback(summary, tuple(items)),
        marks=marks,
        mark_words=words,
        items=_items(catalogue, advice, chosen, reference, needed, ticked),
    )


def _items(catalogue, advice, chosen, reference, needed, ticked) -> tuple[ItemMark, ...]:
    """The channel, then every step that was needed or ticked."""
    best = advice.best
    mark: Mark
    if chosen is None:
        mark = "missed"
    elif best is not None and chosen.channel.id == best.channel.id:
        mark = "right"
    else:
        mark = "nearly" if chosen.allowed else "wrong"
    why = chosen.reasons if chosen is not None else (best.reasons if best else ())
    out = [
        ItemMark(
            item="channel",
            label="Channel",
            mark=mark,
            chosen=chosen.channel.short if chosen is not None else "",
            key=best.channel.short if best is not None else "no channel fits",
            reason=" ".join(r.text for r in why),
            source=next((r.section_id for r in why), None),
        )
    ]
    channel = reference.channel.id if reference is not None else None
    for step in catalogue.steps.values():
        if step.id not in needed and step.id not in ticked:
            continue
        label = step_label(catalogue, step.id, channel)
        if step.id in needed:
            mark = "right" if step.id in ticked else "missed"
            reason, source = needed[step.id].text, needed[step.id].reason.section_id
        else:
            mark, reason, source = "not_needed", "", step.source
        out.append(
            ItemMark(
                item=step.id,
                label=f"Step: {label}",
                mark=mark,
                chosen="ticked" if step.id in ticked else "not ticked",
                key="needed" if step.id in needed else "not needed",
                reason=reason,
                source=source,
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------- the breakout


class TransferChannel(Breakout):
    id = "transfer_channel"
    number = 2
    title = "Choosing a transfer channel"
    model = TransferScenario
    report_note = (
        "Each cell: the channel chosen (◐ Nearly: it may carry the file, but it is not the "
        "best), and for each step whether it was ticked."
    )
    report_chart = "choices"
    chart_item = "channel"

    def choice_order(self, cat: Catalogue) -> list[tuple[str, str]]:
        return [(c.id, c.short) for c in cat.channels.values()]

    def check_content(self, cat: Catalogue, sc: Any, where: Where) -> None:
        super().check_content(cat, sc, where)
        if bool(sc.data.categories) == bool(sc.data.dataset):
            where.add(("data",), "give either `categories` or `dataset`, not both and not neither")
            return
        for k, c in enumerate(sc.data.categories):
            where.ref(("data", "categories", k), c, cat.categories, "category")
        where.ref(("recipient",), sc.recipient, cat.recipients, "recipient")
        if sc.expected_best is not None:
            where.ref(("expected_best",), sc.expected_best, cat.channels, "channel")

    def check_pinned(self, cat: Catalogue, path: Path, scenario_set: str) -> list[Problem]:
        def check(sc: TransferScenario, where: Where) -> None:
            try:
                transfer = scenario_transfer(cat, sc, scenario_set)
            except ContentError as exc:
                where.add(("data", "dataset"), exc.problems[0].message)
                return
            advice = advise_transfer(cat, transfer)
            best = advice.best.channel.id if advice.best else None
            if sc.expected_best is not None and best != sc.expected_best:
                where.add(
                    ("expected_best",),
                    f"the rules pick '{best}' for this scenario, not "
                    f"'{sc.expected_best}'; fix the scenario or the catalogue",
                )

        return pinned_problems(cat, self, path, check)

    def grade(
        self, cat: Catalogue, scenario: Any, answer: Mapping[str, Any], scenario_set: str
    ) -> Evaluation:
        steps = answer.get("steps")
        return check_transfer(
            cat,
            scenario_transfer(cat, scenario, scenario_set),
            str(answer.get("channel") or ""),
            [str(s) for s in steps] if isinstance(steps, list) else [],
        )

    def simulate(
        self, rng: random.Random, cat: Catalogue, scenario: Any, skill: float, scenario_set: str
    ) -> dict[str, Any]:
        transfer = scenario_transfer(cat, scenario, scenario_set)
        advice = advise_transfer(cat, transfer)
        best = advice.best.channel.id if advice.best else None
        if best is not None and rng.random() < skill:
            channel = best
        else:
            others = [(v.channel.id, 2.0 if v.allowed else 1.0) for v in advice.verdicts]
            others = [(c, w) for c, w in others if c != best] or [(best or "", 1.0)]
            channel = weighted(rng, others)
        verdict = advice.verdict(channel) if channel in cat.channels else None
        needed = (
            [s.id for s in steps_before_sending(cat, transfer, channel, advice.sensitivity)]
            if verdict is not None and verdict.allowed
            else []
        )
        steps = [s for s in needed if rng.random() < skill + 0.1]
        steps += [s for s in cat.steps if s not in needed and rng.random() < (1 - skill) / 3]
        return {"channel": channel, "steps": [s for s in cat.steps if s in steps]}

    def right_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        transfer = scenario_transfer(cat, scenario, scenario_set)
        advice = advise_transfer(cat, transfer)
        if advice.best is None:
            return {"channel": "", "steps": []}
        best = advice.best.channel.id
        needed = {s.id for s in steps_before_sending(cat, transfer, best, advice.sensitivity)}
        return {"channel": best, "steps": [s for s in cat.steps if s in needed]}

    def wrong_answer(self, cat: Catalogue, scenario: Any, scenario_set: str) -> dict[str, Any]:
        advice = advise_transfer(cat, scenario_transfer(cat, scenario, scenario_set))
        refused = [v.channel.id for v in advice.verdicts if not v.allowed]
        if refused:
            return {"channel": refused[0], "steps": []}
        right = self.right_answer(cat, scenario, scenario_set)
        wrong_steps = [s for s in cat.steps if s not in right["steps"]]
        return {"channel": right["channel"], "steps": wrong_steps}


BREAKOUT = TransferChannel()
