"""Working-day calendar: bank holidays, local closures, close of business, London time.

Pure: no Flask, no database, no clock. Every instant going in must be timezone-aware;
every instant coming out is aware UTC (the database's convention). Calendar days are
always London (the calendar's time zone) days, whatever zone an instant arrives in.

The module-level functions mirror the `WorkingCalendar` methods and take an optional
`calendar=` keyword; without it they use the default calendar (Europe/London, 09:00-17:00,
England & Wales bank holidays, no closure days). The rules are described in docs/workdays.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

DEFAULT_TIMEZONE = "Europe/London"
ONE_DAY = timedelta(days=1)
_TIME_RE = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")


@lru_cache(maxsize=512)
def _bank_holidays(country: str, subdiv: str | None, year: int) -> frozenset[date]:
    # Building a year of holidays costs ~1 ms; hot loops (sweeps, reports) hit this cache.
    return frozenset(holidays.country_holidays(country, subdiv=subdiv, years=year))


@lru_cache(maxsize=32)
def _check_region(country: str, subdiv: str | None) -> None:
    # Ask the package what it covers, rather than build a calendar and catch its refusal.
    supported = holidays.list_supported_countries()
    if country not in supported or (subdiv is not None and subdiv not in supported[country]):
        raise ValueError(f"no bank holiday data for country={country!r}, subdiv={subdiv!r}")


def _require_aware(instant: datetime, name: str = "instant") -> datetime:
    if not isinstance(instant, datetime):
        raise TypeError(f"{name} must be a datetime, not {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime: times must carry a time zone")
    return instant.astimezone(UTC)


def _require_date(d: date) -> date:
    # A datetime is a date subclass: its (often UTC) date would silently be used instead of
    # the London day, so make callers say which day they mean.
    if isinstance(d, datetime) or not isinstance(d, date):
        raise TypeError(f"expected a date, not {type(d).__name__}; use local_date() for an instant")
    return d


def _parse_time(value: str | time, setting: str) -> time:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError(f"{setting} must be a local time without a time zone")
        return value
    match = _TIME_RE.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(
            f"{setting} must be a 24-hour time written HH:MM (e.g. 17:00), not {value!r}"
        )
    return time(int(match.group(1)), int(match.group(2)))


def _parse_timezone(value: str | tzinfo) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(
            f"TIMEZONE must be an IANA time zone name such as {DEFAULT_TIMEZONE!r}, not {value!r}"
        ) from exc


def _parse_closure(value: str | date) -> date:
    if isinstance(value, datetime):
        raise ValueError(f"closure days are dates, not datetimes: {value!r}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"closure days must be dates written YYYY-MM-DD, not {value!r}") from exc


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days are working days and when the office day starts and ends.

    Hashable and immutable, so one instance can be shared freely (and used as a cache key).
    """

    timezone: tzinfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TIMEZONE))
    close_of_business: time = time(17, 0)
    opening_time: time = time(9, 0)
    closures: frozenset[date] = frozenset()
    country: str = "GB"
    subdiv: str | None = "ENG"

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, tzinfo):
            raise TypeError("timezone must be a tzinfo (e.g. ZoneInfo('Europe/London'))")
        for name in ("close_of_business", "opening_time"):
            value = getattr(self, name)
            if not isinstance(value, time) or value.tzinfo is not None:
                raise ValueError(f"{name} must be a naive datetime.time (local wall-clock time)")
        if self.opening_time >= self.close_of_business:
            raise ValueError(
                f"opening_time {self.opening_time:%H:%M} must be before "
                f"close_of_business {self.close_of_business:%H:%M}"
            )
        # Accept any iterable of dates (a list from the admin screen) but store a frozenset.
        closures = frozenset(_parse_closure(d) for d in self.closures)
        object.__setattr__(self, "closures", closures)
        _check_region(self.country, self.subdiv)

    @classmethod
    def from_settings(
        cls,
        timezone: str | tzinfo = DEFAULT_TIMEZONE,
        close_of_business: str | time = "17:00",
        opening_time: str | time = "09:00",
        closures: Iterable[str | date] = (),
        country: str = "GB",
        subdiv: str | None = "ENG",
    ) -> WorkingCalendar:
        """Build a calendar from plain config values (TIMEZONE, CLOSE_OF_BUSINESS, OPENING_TIME)
        and the closure days an administrator entered; raise ValueError naming a bad value."""
        return cls(
            timezone=_parse_timezone(timezone),
            close_of_business=_parse_time(close_of_business, "CLOSE_OF_BUSINESS"),
            opening_time=_parse_time(opening_time, "OPENING_TIME"),
            closures=frozenset(_parse_closure(d) for d in closures),
            country=country,
            subdiv=subdiv,
        )

    # -- days ---------------------------------------------------------------------------

    def is_bank_holiday(self, d: date) -> bool:
        """A bank holiday (including substitute days) in the calendar's country/subdivision."""
        return d in _bank_holidays(self.country, self.subdiv, d.year)

    def is_working_day(self, d: date) -> bool:
        """Monday to Friday, not a bank holiday or substitute day, not a local closure day."""
        return self._is_working(_require_date(d))

    def _is_working(self, d: date) -> bool:
        return (
            d.weekday() < 5
            and d not in self.closures
            and d not in _bank_holidays(self.country, self.subdiv, d.year)
        )

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self.add_working_days(d, 1)

    def add_working_days(self, d: date, n: int) -> date:
        """Move `n` working days from `d`.

        n > 0: the n-th working day strictly after d; n < 0: the |n|-th working day strictly
        before d; n == 0: d itself, unchanged, even if it is not a working day (zero steps).
        `d` itself need not be a working day for any n.
        """
        _require_date(d)
        step = ONE_DAY if n > 0 else -ONE_DAY
        remaining = abs(n)
        while remaining:
            d += step
            if self._is_working(d):
                remaining -= 1
        return d

    # -- instants -----------------------------------------------------------------------

    def to_local(self, instant: datetime) -> datetime:
        """The aware instant expressed in the calendar's time zone (London wall-clock time)."""
        return _require_aware(instant).astimezone(self.timezone)

    def local_date(self, instant: datetime) -> date:
        """The calendar (London) day on which the aware instant falls."""
        return self.to_local(instant).date()

    def _at_local(self, d: date, t: time) -> datetime:
        # fold=0: on an ambiguous local time take the first occurrence (never happens for
        # London office hours, whose clock changes are at 01:00/02:00 on Sundays).
        return datetime.combine(d, t, tzinfo=self.timezone).astimezone(UTC)

    def close_of_business_on(self, d: date) -> datetime:
        """Close of business on local day `d`, as an aware UTC instant."""
        return self._at_local(d, self.close_of_business)

    def offer_due(self, received_at: datetime) -> datetime:
        """The S2S offer deadline: close of business on the first working day after the
        local calendar day on which the referral was received, as aware UTC."""
        received_day = self.local_date(_require_aware(received_at, "received_at"))
        return self.close_of_business_on(self.next_working_day(received_day))

    def marac_cutoff(self, meeting_start: datetime, working_days: int) -> datetime:
        """Referral cut-off for a MARAC meeting, as aware UTC: close of business on the day
        `working_days` working days before the meeting's local date
        (`add_working_days(meeting_date, -working_days)`). A referral is in time for the
        meeting when it is made at or before this instant."""
        if working_days < 1:
            # Close of business on the meeting day itself would fall after the meeting.
            raise ValueError(f"working_days must be at least 1, not {working_days}")
        meeting_day = self.local_date(_require_aware(meeting_start, "meeting_start"))
        return self.close_of_business_on(self.add_working_days(meeting_day, -working_days))

    def working_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Exact office time (opening_time to close_of_business, local, on working days)
        between two aware instants; zero if end <= start. Additive over adjacent intervals."""
        start_utc = _require_aware(start, "start")
        end_utc = _require_aware(end, "end")
        total = timedelta(0)
        if end_utc <= start_utc:
            return total
        # One step per local day: every office interval lies inside its own local day.
        day, last = self.local_date(start_utc), self.local_date(end_utc)
        while day <= last:
            if self._is_working(day):
                lo = max(self._at_local(day, self.opening_time), start_utc)
                hi = min(self._at_local(day, self.close_of_business), end_utc)
                if hi > lo:
                    total += hi - lo
            day += ONE_DAY
        return total

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """`working_time_between` in hours (for medians and percentiles in reports)."""
        return self.working_time_between(start, end).total_seconds() / 3600


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """Europe/London, 09:00-17:00, England & Wales bank holidays, no closure days."""
    return WorkingCalendar()


def _cal(calendar: WorkingCalendar | None) -> WorkingCalendar:
    return default_calendar() if calendar is None else calendar


def is_working_day(d: date, *, calendar: WorkingCalendar | None = None) -> bool:
    return _cal(calendar).is_working_day(d)


def next_working_day(d: date, *, calendar: WorkingCalendar | None = None) -> date:
    return _cal(calendar).next_working_day(d)


def add_working_days(d: date, n: int, *, calendar: WorkingCalendar | None = None) -> date:
    return _cal(calendar).add_working_days(d, n)


def to_local(instant: datetime, *, calendar: WorkingCalendar | None = None) -> datetime:
    return _cal(calendar).to_local(instant)


def local_date(instant: datetime, *, calendar: WorkingCalendar | None = None) -> date:
    return _cal(calendar).local_date(instant)


def offer_due(received_at: datetime, *, calendar: WorkingCalendar | None = None) -> datetime:
    return _cal(calendar).offer_due(received_at)


def marac_cutoff(
    meeting_start: datetime, working_days: int, *, calendar: WorkingCalendar | None = None
) -> datetime:
    return _cal(calendar).marac_cutoff(meeting_start, working_days)


def working_time_between(
    start: datetime, end: datetime, *, calendar: WorkingCalendar | None = None
) -> timedelta:
    return _cal(calendar).working_time_between(start, end)


def working_hours_between(
    start: datetime, end: datetime, *, calendar: WorkingCalendar | None = None
) -> float:
    return _cal(calendar).working_hours_between(start, end)
