"""Property tests for triage.workdays: the rules hold for any instant, day and calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.workdays import WorkingCalendar

LONDON = ZoneInfo("Europe/London")

# A council closure between Christmas and New Year in every year the strategies reach.
YEARLY_CLOSURES = frozenset(date(y, 12, d) for y in range(1999, 2102) for d in (29, 30, 31))
CALENDARS = {
    "default": WorkingCalendar(),
    "closures": WorkingCalendar(closures=YEARLY_CLOSURES),
    "short-day": WorkingCalendar.from_settings(opening_time="08:30", close_of_business="16:30"),
}

calendars = st.sampled_from(list(CALENDARS.values()))
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))
steps = st.integers(min_value=-40, max_value=40)
positive_steps = st.integers(min_value=1, max_value=40)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 1),
    timezones=st.sampled_from(
        [UTC, LONDON, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))]
    ),
    allow_imaginary=False,
)
# Short spans are where the office-hour edges are; long ones exercise many days.
spans = st.one_of(
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3)),
    st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)),
)

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None)


def working_days_in(cal: WorkingCalendar, first: date, last: date) -> int:
    """Count working days in [first, last] by walking every day (the slow oracle)."""
    count, d = 0, first
    while d <= last:
        count += cal.is_working_day(d)
        d += timedelta(days=1)
    return count


def later(instant: datetime, elapsed: timedelta) -> datetime:
    """`elapsed` of real time after `instant`, in the same zone. (Plain `+` on an aware
    datetime is wall-clock arithmetic and is off by an hour across a clock change.)"""
    return (instant.astimezone(UTC) + elapsed).astimezone(instant.tzinfo)


def office_length(cal: WorkingCalendar) -> timedelta:
    today = date(2026, 6, 15)
    return datetime.combine(today, cal.close_of_business) - datetime.combine(
        today, cal.opening_time
    )


@PROPERTY_SETTINGS
@given(d=days)
def test_working_day_matches_the_holidays_package(d: date) -> None:
    bank_holidays = holidays.country_holidays("GB", subdiv="ENG", years=d.year)
    expected = d.weekday() < 5 and d not in bank_holidays
    assert CALENDARS["default"].is_working_day(d) is expected
    assert CALENDARS["closures"].is_working_day(d) is (expected and d not in YEARLY_CLOSURES)


@PROPERTY_SETTINGS
@given(cal=calendars, received=instants)
def test_offer_due_is_the_earliest_close_of_business_after_the_receipt_day(
    cal: WorkingCalendar, received: datetime
) -> None:
    due = cal.offer_due(received)
    received_day, due_day = cal.local_date(received), cal.local_date(due)

    assert due.tzinfo is UTC
    assert due > received
    assert cal.is_working_day(due_day)
    assert cal.to_local(due).time() == cal.close_of_business
    assert due_day > received_day
    # The earliest: no working day strictly between the receipt's day and the due day.
    assert working_days_in(cal, received_day + timedelta(days=1), due_day) == 1


@PROPERTY_SETTINGS
@given(cal=calendars, received=instants)
def test_time_to_offer_is_between_one_and_two_office_days(
    cal: WorkingCalendar, received: datetime
) -> None:
    # The whole due day is inside the window; at most the receipt day's hours are added.
    worked = cal.working_time_between(received, cal.offer_due(received))
    assert office_length(cal) <= worked <= 2 * office_length(cal)


@PROPERTY_SETTINGS
@given(cal=calendars, d=days)
def test_next_working_day(cal: WorkingCalendar, d: date) -> None:
    nxt = cal.next_working_day(d)
    assert nxt == cal.add_working_days(d, 1)
    assert nxt > d
    assert cal.is_working_day(nxt)
    assert working_days_in(cal, d + timedelta(days=1), nxt) == 1


@PROPERTY_SETTINGS
@given(cal=calendars, d=days, n=steps)
def test_add_working_days_moves_exactly_n_working_days(
    cal: WorkingCalendar, d: date, n: int
) -> None:
    result = cal.add_working_days(d, n)
    if n == 0:
        assert result == d
    elif n > 0:
        assert result > d
        assert cal.is_working_day(result)
        assert working_days_in(cal, d + timedelta(days=1), result) == n
    else:
        assert result < d
        assert cal.is_working_day(result)
        assert working_days_in(cal, result, d - timedelta(days=1)) == -n


@PROPERTY_SETTINGS
@given(cal=calendars, d=days, n=steps)
def test_add_working_days_is_undone_from_a_working_day(
    cal: WorkingCalendar, d: date, n: int
) -> None:
    start = cal.next_working_day(d)
    assert cal.add_working_days(cal.add_working_days(start, n), -n) == start


@PROPERTY_SETTINGS
@given(cal=calendars, d=days, m=positive_steps, n=positive_steps, sign=st.sampled_from([1, -1]))
def test_add_working_days_composes(
    cal: WorkingCalendar, d: date, m: int, n: int, sign: int
) -> None:
    # Steps in one direction add up, whether or not d itself is a working day.
    m, n = sign * m, sign * n
    assert cal.add_working_days(cal.add_working_days(d, m), n) == cal.add_working_days(d, m + n)


@PROPERTY_SETTINGS
@given(cal=calendars, d1=days, d2=days, n=steps)
def test_add_working_days_is_monotonic(cal: WorkingCalendar, d1: date, d2: date, n: int) -> None:
    d1, d2 = min(d1, d2), max(d1, d2)
    assert cal.add_working_days(d1, n) <= cal.add_working_days(d2, n)


@PROPERTY_SETTINGS
@given(cal=calendars, a=instants, ab=spans, bc=spans)
def test_working_time_is_additive(
    cal: WorkingCalendar, a: datetime, ab: timedelta, bc: timedelta
) -> None:
    b, c = later(a, ab), later(a, ab + bc)
    whole = cal.working_time_between(a, c)
    assert whole == cal.working_time_between(a, b) + cal.working_time_between(b, c)
    assert cal.working_hours_between(a, c) == pytest.approx(
        cal.working_hours_between(a, b) + cal.working_hours_between(b, c), abs=1e-9
    )


@PROPERTY_SETTINGS
@given(cal=calendars, start=instants, span=spans)
def test_working_time_bounds(cal: WorkingCalendar, start: datetime, span: timedelta) -> None:
    end = later(start, span)
    worked = cal.working_time_between(start, end)
    first, last = cal.local_date(start), cal.local_date(end)

    assert timedelta(0) <= worked <= span
    assert worked <= working_days_in(cal, first, last) * office_length(cal)
    assert cal.working_hours_between(start, end) == worked.total_seconds() / 3600
    assert cal.working_time_between(end, start) == timedelta(0)


@PROPERTY_SETTINGS
@given(
    cal=calendars,
    d=days,
    minutes=st.tuples(st.integers(0, 24 * 60 - 1), st.integers(0, 24 * 60 - 1)),
)
def test_working_time_within_one_office_day(
    cal: WorkingCalendar, d: date, minutes: tuple[int, int]
) -> None:
    # Inside one working day the answer is the overlap with the office hours, nothing more.
    day = cal.next_working_day(d)
    lo, hi = sorted(minutes)
    midnight = datetime.combine(day, time(0), tzinfo=LONDON)
    start, end = midnight + timedelta(minutes=lo), midnight + timedelta(minutes=hi)
    opening = datetime.combine(day, cal.opening_time, tzinfo=LONDON)
    closing = datetime.combine(day, cal.close_of_business, tzinfo=LONDON)
    expected = max(min(end, closing) - max(start, opening), timedelta(0))
    assert cal.working_time_between(start, end) == expected


@PROPERTY_SETTINGS
@given(cal=calendars, meeting=instants, n=positive_steps)
def test_marac_cutoff_leaves_n_working_days(
    cal: WorkingCalendar, meeting: datetime, n: int
) -> None:
    cutoff = cal.marac_cutoff(meeting, n)
    cutoff_day, meeting_day = cal.local_date(cutoff), cal.local_date(meeting)

    assert cutoff.tzinfo is UTC
    assert cutoff < meeting
    assert cal.is_working_day(cutoff_day)
    assert cal.to_local(cutoff).time() == cal.close_of_business
    assert working_days_in(cal, cutoff_day, meeting_day - timedelta(days=1)) == n
