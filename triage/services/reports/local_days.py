"""The local calendar date (London) of a stored UTC instant, as an SQL expression, so that a
query can group by the day something happened: PostgreSQL converts with its time-zone
database; SQLite has none, so there the UTC offset is chosen by a CASE over the clock
changes between two dates (two a year), computed here from the calendar's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Date, case, cast, func, literal_column

from triage.workdays import WorkingCalendar


def local_date_sql(column, dialect: str, calendar: WorkingCalendar, first: date, last: date):
    """SQL for the local date of `column`, exact for instants from `first` to `last`
    (local dates; outside them SQLite uses the nearest period's offset)."""
    if dialect == "postgresql":
        return cast(func.timezone(str(calendar.timezone), column), Date)
    periods = clock_periods(calendar, first, last)
    # Before each change, the offset of the period it ends.
    whens = [
        (column < edge, _shifted(column, periods[i][1])) for i, (edge, _o) in enumerate(periods[1:])
    ]
    last_offset = periods[-1][1]
    return (
        case(*whens, else_=_shifted(column, last_offset))
        if whens
        else _shifted(column, last_offset)
    )


def _shifted(column, offset: timedelta):
    minutes = int(offset.total_seconds() // 60)
    return func.date(column, literal_column(f"'{minutes:+d} minutes'"))


def clock_periods(
    calendar: WorkingCalendar, first: date, last: date
) -> list[tuple[datetime | None, timedelta]]:
    """[(start instant in UTC, UTC offset)], the first starting at None: one entry per run
    of days with the same offset, the change found to the minute within its day."""
    zone = calendar.timezone
    day = first - timedelta(days=1)
    instant = datetime(day.year, day.month, day.day, tzinfo=UTC)
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=2)
    periods: list[tuple[datetime | None, timedelta]] = [(None, _offset(instant, zone))]
    while instant < end:
        following = instant + timedelta(days=1)
        if _offset(following, zone) != periods[-1][1]:
            at = instant
            while _offset(at, zone) == periods[-1][1]:
                at += timedelta(minutes=1)
            periods.append((at, _offset(at, zone)))
        instant = following
    return periods


def _offset(instant: datetime, zone) -> timedelta:
    return instant.astimezone(zone).utcoffset() or timedelta(0)
