"""Wording helpers for the reason sentences a practitioner reads."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def add_months(moment: datetime, months: int) -> datetime:
    """Add calendar months, clamping to the month's last day (29 Feb + 12 months = 28 Feb)."""
    index = moment.month - 1 + months
    year = moment.year + index // 12
    month = index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def as_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def iso_utc(moment: datetime) -> str:
    """The instant in UTC as ISO 8601, the form stored in the machine-readable trace."""
    return as_utc(moment).isoformat()


def london_date(moment: datetime) -> str:
    """A date as people in the borough read it, e.g. "3 May 2026"."""
    local = moment.astimezone(LONDON)
    return f"{local.day} {local:%b %Y}"


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """ "1 police call-out", "3 police call-outs"."""
    word = singular if number == 1 else (plural or singular + "s")
    return f"{number} {word}"


def join_and(words: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def lower_first(label: str) -> str:
    """Catalogue labels are sentence case; inside a sentence they start lower case.

    Acronyms ("IOM", "MAPPA") keep their capitals.
    """
    if label[1:2].isupper():
        return label
    return label[:1].lower() + label[1:]
