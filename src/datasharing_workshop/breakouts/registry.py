"""Every breakout the kit has, in workshop order: the one list the rest of the kit asks.

The report-back, ``simulate``, ``validate`` and the handouts look a breakout up here by its
exercise id and call its :class:`~.base.Breakout` methods; none of them names a breakout.
A new breakout is one module in this package plus one line below.
"""

from __future__ import annotations

from ..errors import ContentError, Problem
from . import (
    choose_agreement,
    classify_data,
    data_request,
    deidentify,
    linking,
    transfer_channel,
)
from .base import Breakout

#: Exercise id -> breakout, in the order of the workshop.
BREAKOUTS: dict[str, Breakout] = {
    b.id: b
    for b in sorted(
        (
            classify_data.BREAKOUT,
            transfer_channel.BREAKOUT,
            choose_agreement.BREAKOUT,
            data_request.BREAKOUT,
            deidentify.BREAKOUT,
            linking.BREAKOUT,
        ),
        key=lambda b: b.number,
    )
}


def get_breakout(exercise_id: str) -> Breakout:
    """The breakout with this exercise id.

    Raises
    ------
    ContentError
        No such breakout.
    """
    found = BREAKOUTS.get(exercise_id)
    if found is None:
        raise ContentError(
            [Problem(exercise_id, "", f"unknown breakout; expected one of: {', '.join(BREAKOUTS)}")]
        )
    return found
