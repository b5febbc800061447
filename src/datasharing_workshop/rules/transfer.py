"""Which channels may carry a dataset, why the others may not, and what to do before sending."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..content.catalogue import Catalogue
from ..content.models import Channel, SizeLimit
from ..content.sizes import format_size, parse_size
from ..errors import InputError
from .reasons import Reason, join_words, reason
from .sensitivity import Sensitivity, categories_sensitivity, contains


@dataclass(frozen=True)
class Transfer:
    """A file to send.

    Parameters
    ----------
    categories
        Category ids of the data in the file (``("phi", "pii")``).
    size_bytes
        File size in bytes (see :func:`~datasharing_workshop.content.sizes.parse_size`).
    recipient
        Recipient id (``agency``, ``partner``, ``public``).
    deidentified_ok
        The request can be met without knowing who anyone is, so identifying fields should
        be removed or aggregated before sending.
    """

    categories: tuple[str, ...]
    size_bytes: int
    recipient: str
    deidentified_ok: bool = False


def make_transfer(
    catalogue: Catalogue,
    categories: Iterable[str],
    size: str | int,
    recipient: str,
    *,
    deidentified_ok: bool = False,
) -> Transfer:
    """Build a :class:`Transfer`, checking every value against the catalogue.

    Raises
    ------
    InputError
        Unknown category or recipient, or an unparsable or negative size.
    """
    cats = tuple(c.strip() for c in categories if c.strip())
    if not cats:
        raise InputError("say what the data contains: at least one category id")
    for c in cats:
        if c not in catalogue.categories:
            raise InputError(
                f"unknown category '{c}'; expected one of: {', '.join(catalogue.categories)}"
            )
    if recipient not in catalogue.recipients:
        raise InputError(
            f"unknown recipient '{recipient}'; expected one of: {', '.join(catalogue.recipients)}"
        )
    return Transfer(cats, parse_size(size), recipient, deidentified_ok)


@dataclass(frozen=True)
class StepAdvice:
    id: str
    text: str
    reason: Reason


@dataclass(frozen=True)
class ChannelVerdict:
    """Whether one channel may carry the transfer, with every reason why not."""

    channel: Channel
    allowed: bool
    #: Why it is refused (every reason), or why it is allowed.
    reasons: tuple[Reason, ...]
    #: Things to check although it is allowed (a size limit that varies).
    warnings: tuple[Reason, ...]
    #: Steps before sending, when this channel is used.
    steps: tuple[StepAdvice, ...]


@dataclass(frozen=True)
class TransferAdvice:
    transfer: Transfer
    sensitivity: Sensitivity
    #: Every channel: allowed ones first, best first; then the refused ones.
    verdicts: tuple[ChannelVerdict, ...]

    @property
    def allowed(self) -> tuple[ChannelVerdict, ...]:
        return tuple(v for v in self.verdicts if v.allowed)

    @property
    def best(self) -> ChannelVerdict | None:
        return self.allowed[0] if self.allowed else None

    def verdict(self, channel_id: str) -> ChannelVerdict:
        for v in self.verdicts:
            if v.channel.id == channel_id:
                return v
        raise KeyError(channel_id)


def _limit_for(channel: Channel, recipient: str) -> SizeLimit | None:
    for limit in channel.limits:
        if limit.recipients is None or recipient in limit.recipients:
            return limit
    return None


def channel(catalogue: Catalogue, channel_id: str) -> Channel:
    try:
        return catalogue.channels[channel_id]
    except KeyError:
        known = ", ".join(catalogue.channels)
        raise InputError(f"unknown channel '{channel_id}'; expected one of: {known}") from None


def check_channel(
    catalogue: Catalogue,
    transfer: Transfer,
    channel_id: str,
    sensitivity: Sensitivity | None = None,
) -> ChannelVerdict:
    """Judge one channel for one transfer; every failed rule gives its own reason."""
    chan = channel(catalogue, channel_id)
    sens = sensitivity or categories_sensitivity(catalogue, transfer.categories)
    recipient = catalogue.recipients[transfer.recipient]
    size_text = format_size(transfer.size_bytes)
    refusals: list[Reason] = []
    warnings: list[Reason] = []

    if catalogue.level_rank(sens.level.id) > catalogue.level_rank(chan.max_level):
        names = [
            catalogue.categories[c].short
            for c in sens.categories
            if catalogue.level_rank(catalogue.categories[c].level)
            > catalogue.level_rank(chan.max_level)
        ]
        refusals.append(
            reason(
                catalogue,
                catalogue.message(
                    "channel_level_refused",
                    channel=chan.short,
                    allowed=catalogue.level(chan.max_level).label,
                    level=sens.level.label,
                    categories=join_words(names),
                ),
                chan.source,
                "playbook",
            )
        )
    if transfer.recipient not in chan.recipients:
        refusals.append(
            reason(
                catalogue,
                catalogue.message(
                    "channel_recipient_refused", channel=chan.short, recipient=recipient.label
                ),
                chan.source,
                "kit",
            )
        )
    limit = _limit_for(chan, transfer.recipient)
    if limit is not None:
        if limit.max_size.kind == "fixed" and transfer.size_bytes > (limit.max_size.max_bytes or 0):
            note = f" ({limit.note})" if limit.note else ""
            refusals.append(
                reason(
                    catalogue,
                    catalogue.message(
                        "channel_size_refused",
                        channel=chan.short,
                        size=size_text,
                        limit=format_size(limit.max_size.max_bytes or 0),
                        note=note,
                    ),
                    chan.source,
                    chan.basis,
                )
            )
        elif limit.max_size.kind == "varies":
            warnings.append(
                reason(
                    catalogue,
                    catalogue.message(
                        "channel_size_varies",
                        channel=chan.short,
                        note=limit.note or "ask your IT department whether it can take this file",
                    ),
                    chan.source,
                    chan.basis,
                )
            )
    allowed = not refusals
    reasons = refusals or [
        reason(
            catalogue,
            catalogue.message(
                "channel_allowed", channel=chan.short, recipient=recipient.label, size=size_text
            ),
            chan.source,
        )
    ]
    steps = tuple(steps_before_sending(catalogue, transfer, chan.id, sens)) if allowed else ()
    return ChannelVerdict(chan, allowed, tuple(reasons), tuple(warnings), steps)


def steps_before_sending(
    catalogue: Catalogue,
    transfer: Transfer,
    channel_id: str,
    sensitivity: Sensitivity | None = None,
) -> list[StepAdvice]:
    """The catalogue's steps that apply to this transfer on this channel, in catalogue order."""
    chan = channel(catalogue, channel_id)
    sens = sensitivity or categories_sensitivity(catalogue, transfer.categories)
    threshold = chan.notify_it_over
    conditions = {
        "deidentifiable": transfer.deidentified_ok and contains(catalogue, sens, "pii"),
        "non_public": not sens.is_public,
        "over_notice_threshold": threshold is not None
        and threshold.max_bytes is not None
        and transfer.size_bytes > threshold.max_bytes,
        "channel_setup": bool(chan.setup),
        "channel_purges": chan.retention_days is not None,
    }
    values = {
        "channel": chan.short,
        "days": chan.retention_days or "",
        "threshold": format_size(threshold.max_bytes) if threshold and threshold.max_bytes else "",
        "setup": chan.setup,
    }
    return [
        StepAdvice(
            step.id,
            step.text.format(**values),
            reason(catalogue, step.text.format(**values), step.source, step.basis),
        )
        for step in catalogue.steps.values()
        if conditions[step.applies_when]
    ]


def advise_transfer(catalogue: Catalogue, transfer: Transfer) -> TransferAdvice:
    """Judge every channel; allowed ones come first, in the catalogue's order of preference."""
    sens = categories_sensitivity(catalogue, transfer.categories)
    verdicts = [check_channel(catalogue, transfer, cid, sens) for cid in catalogue.channels]
    verdicts.sort(key=lambda v: (not v.allowed, v.channel.preference, v.channel.id))
    return TransferAdvice(transfer, sens, tuple(verdicts))


def no_channel_reason(catalogue: Catalogue, advice: TransferAdvice) -> Reason:
    return reason(
        catalogue,
        catalogue.message(
            "channel_none",
            size=format_size(advice.transfer.size_bytes),
            level=advice.sensitivity.level.label,
            recipient=catalogue.recipients[advice.transfer.recipient].label,
        ),
        advice.sensitivity.level.source,
    )
