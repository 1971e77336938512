"""The report filters, read from the query string (GET forms: bookmarkable, no CSRF needed,
nothing changes). Dates are London dates; `as_of` is a London wall-clock time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from triage.services.reports.definitions import (
    PRESETS,
    DateRange,
    parse_quarter,
    preset_range,
    quarter_label,
    quarter_of,
)

AS_OF_MESSAGE = "Enter the 'as of' time as YYYY-MM-DDTHH:MM, London time, not in the future"


@dataclass
class RangeQuery:
    preset: str = "last_quarter"
    from_text: str = ""
    to_text: str = ""
    as_of_text: str = ""
    period: DateRange | None = None
    as_of: datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        """The filters as plain strings: the export links and the worker job rebuild the
        very same report from them (`as_of` as an ISO instant, so it never moves)."""
        assert self.period is not None and self.as_of is not None
        return {
            "preset": "custom",
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
        }


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def parse_as_of(text: str, *, now: datetime, timezone: tzinfo) -> datetime | None:
    """'' -> now; 'YYYY-MM-DDTHH:MM' (London) or an ISO instant with an offset, not after
    `now`; else None."""
    text = text.strip()
    if not text:
        return now
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone)
    value = value.astimezone(UTC)
    # A future "as of" would count as overdue what is not due yet.
    return value if value <= now else None


def parse_range(args: Mapping[str, str], *, now: datetime, timezone: tzinfo) -> RangeQuery:
    query = RangeQuery(
        preset=args.get("preset") or "last_quarter",
        from_text=(args.get("from") or "")[:20],
        to_text=(args.get("to") or "")[:20],
        as_of_text=(args.get("as_of") or "")[:40],
    )
    today = now.astimezone(timezone).date()
    if query.preset not in PRESETS:
        query.errors["preset"] = "Choose a period"
        return query
    query.as_of = parse_as_of(query.as_of_text, now=now, timezone=timezone)
    if query.as_of is None:
        query.errors["as_of"] = AS_OF_MESSAGE
    elif not query.as_of_text:
        query.as_of_text = query.as_of.astimezone(timezone).strftime("%Y-%m-%dT%H:%M")
    if query.preset != "custom":
        query.period = preset_range(query.preset, today)
        query.from_text, query.to_text = (
            query.period.start.isoformat(),
            query.period.end.isoformat(),
        )
        return query
    start, end = _date(query.from_text), _date(query.to_text)
    if start is None:
        query.errors["from"] = "Enter the first day as YYYY-MM-DD"
    if end is None:
        query.errors["to"] = "Enter the last day as YYYY-MM-DD"
    if start and end:
        try:
            query.period = DateRange(start, end)
        except ValueError as problem:
            query.errors["to"] = str(problem)
    return query


@dataclass
class QuarterQuery:
    text: str
    as_of_text: str = ""
    period: DateRange | None = None
    as_of: datetime | None = None
    errors: dict[str, str] = field(default_factory=dict)

    def params(self) -> dict[str, str]:
        assert self.period is not None and self.as_of is not None
        return {"quarter": quarter_label(self.period), "as_of": self.as_of.isoformat()}


def recent_quarters(today: date, count: int = 8) -> list[str]:
    """The quarter `today` is in, then the ones before it, as 'YYYY-Qn'."""
    labels, period = [], quarter_of(today)
    for _ in range(count):
        labels.append(quarter_label(period))
        period = quarter_of(period.start - timedelta(days=1))
    return labels


def parse_quarter_query(
    args: Mapping[str, str], *, now: datetime, timezone: tzinfo
) -> QuarterQuery:
    """Default: the last complete quarter; meetings count once started by `as_of` (now)."""
    today = now.astimezone(timezone).date()
    default = recent_quarters(today, 2)[1]
    query = QuarterQuery(
        text=(args.get("quarter") or default)[:10], as_of_text=(args.get("as_of") or "")[:40]
    )
    try:
        query.period = parse_quarter(query.text)
    except ValueError as problem:
        query.errors["quarter"] = str(problem)
    query.as_of = parse_as_of(query.as_of_text, now=now, timezone=timezone)
    if query.as_of is None:
        query.errors["as_of"] = AS_OF_MESSAGE
    return query
