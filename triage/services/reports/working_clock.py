"""Working time elapsed since many instants up to one `as_of`, fast: a running total of
working time per day (a "working clock"), so each age is one subtraction, not a walk over
the calendar per referral (a year of overdue cases at 1M referrals is ~10^5 of them).

Same figure as `WorkingCalendar.working_time_between` (office hours, local, on working
days), which is additive over adjacent intervals: between(a, b) = clock(b) - clock(a)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from triage.workdays import WorkingCalendar


class WorkingClock:
    """Working time from the start of `first` (a local date) to any later instant."""

    def __init__(self, calendar: WorkingCalendar, first: date) -> None:
        self.calendar, self.first = calendar, first
        self._before: dict[date, timedelta] = {first: timedelta(0)}
        self._last = first

    def _hours(self, day: date) -> tuple[datetime, datetime] | None:
        if not self.calendar.is_working_day(day):
            return None
        zone = self.calendar.timezone
        opens = datetime.combine(day, self.calendar.opening_time, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(day, self.calendar.close_of_business, tzinfo=zone)
        return opens, closes.astimezone(UTC)

    def _before_day(self, day: date) -> timedelta:
        """Working time on the days from `first` up to, not including, `day`."""
        while self._last < day:
            hours = self._hours(self._last)
            gained = hours[1] - hours[0] if hours else timedelta(0)
            self._last += timedelta(days=1)
            self._before[self._last] = self._before[self._last - timedelta(days=1)] + gained
        return self._before[day]

    def at(self, instant: datetime) -> timedelta:
        day = self.calendar.local_date(instant)
        if day < self.first:
            raise ValueError("an instant before the clock's first day")
        total = self._before_day(day)
        hours = self._hours(day)
        if hours:
            total += min(max(instant, hours[0]), hours[1]) - hours[0]
        return total
