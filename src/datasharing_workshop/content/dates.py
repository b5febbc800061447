"""Dates and times as the people in the room write them.

Connecticut writes "March 14, 2025", so that is the default; ``date_format`` in
``workshop.yml`` picks another of :data:`DATE_STYLES`. Month names are spelled out here
rather than taken from ``strftime("%B")``, which follows the machine's locale, and no
``%-d`` is used, which Windows' C library does not know.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DateStyle = Literal["us", "us-weekday", "us-numeric", "iso", "day-month-year"]

#: Each style, with how it prints March 14, 2025 (shown in workshop.yml's schema).
DATE_STYLES: dict[str, str] = {
    "us": "March 14, 2025",
    "us-weekday": "Friday, March 14, 2025",
    "us-numeric": "3/14/2025",
    "iso": "2025-03-14",
    "day-month-year": "14 March 2025",
}
DEFAULT_DATE_STYLE: DateStyle = "us"


def format_date(day: dt.date, style: str = DEFAULT_DATE_STYLE) -> str:
    """``date(2025, 3, 14)`` -> ``"March 14, 2025"`` (or another of :data:`DATE_STYLES`).

    Raises
    ------
    ValueError
        ``style`` is not one of :data:`DATE_STYLES`.
    """
    month = MONTHS[day.month - 1]
    if style == "us":
        return f"{month} {day.day}, {day.year}"
    if style == "us-weekday":
        return f"{WEEKDAYS[day.weekday()]}, {month} {day.day}, {day.year}"
    if style == "us-numeric":
        return f"{day.month}/{day.day}/{day.year}"
    if style == "iso":
        return day.isoformat()
    if style == "day-month-year":
        return f"{day.day} {month} {day.year}"
    raise ValueError(f"unknown date style {style!r}; expected one of {', '.join(DATE_STYLES)}")


def format_clock(moment: dt.time | dt.datetime) -> str:
    """``13:05`` -> ``"1:05 PM"``; ``00:30`` -> ``"12:30 AM"``."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def format_moment(moment: dt.datetime, style: str = DEFAULT_DATE_STYLE) -> str:
    """A date and time: ``"March 14, 2025, 1:05 PM"`` (time zone as given)."""
    if style == "iso":
        return moment.strftime("%Y-%m-%d %H:%M")
    return f"{format_date(moment.date(), style)}, {format_clock(moment)}"
