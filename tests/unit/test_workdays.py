"""Table tests for triage.workdays on real dates (England & Wales bank holidays, BST/GMT)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from triage import workdays
from triage.workdays import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = timezone(timedelta(hours=5, minutes=30))

CHRISTMAS_CLOSURES = frozenset(
    {date(2026, 12, 29), date(2026, 12, 30), date(2026, 12, 31)}
    | {date(2027, 12, 29), date(2027, 12, 30), date(2027, 12, 31)}
)
CLOSED = WorkingCalendar(closures=CHRISTMAS_CLOSURES)


def london(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=LONDON)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


# --- working days ------------------------------------------------------------------------

WORKING_DAY_CASES = [
    (date(2026, 6, 15), True, "monday"),
    (date(2026, 6, 19), True, "friday"),
    (date(2026, 6, 20), False, "saturday"),
    (date(2026, 6, 21), False, "sunday"),
    (date(2026, 1, 1), False, "new-year-2026"),
    (date(2026, 4, 2), True, "maundy-thursday-2026"),
    (date(2026, 4, 3), False, "good-friday-2026"),
    (date(2026, 4, 6), False, "easter-monday-2026"),
    (date(2026, 4, 7), True, "easter-tuesday-2026"),
    (date(2027, 3, 26), False, "good-friday-2027"),
    (date(2027, 3, 29), False, "easter-monday-2027"),
    (date(2026, 5, 4), False, "early-may-2026"),
    (date(2026, 5, 25), False, "spring-2026"),
    (date(2026, 8, 31), False, "summer-2026"),
    (date(2027, 5, 3), False, "early-may-2027"),
    (date(2027, 5, 31), False, "spring-2027"),
    (date(2027, 8, 30), False, "summer-2027"),
    (date(2026, 12, 25), False, "christmas-2026-friday"),
    (date(2026, 12, 28), False, "boxing-day-2026-substitute-monday"),
    (date(2026, 12, 29), True, "2026-12-29-open-without-closures"),
    (date(2027, 12, 27), False, "christmas-2027-substitute-monday"),
    (date(2027, 12, 28), False, "boxing-day-2027-substitute-tuesday"),
    (date(2027, 12, 29), True, "2027-12-29-open-without-closures"),
    (date(2028, 1, 3), False, "new-year-2028-substitute-monday"),
    (date(2020, 5, 4), True, "2020-first-monday-of-may-moved"),
    (date(2020, 5, 8), False, "2020-ve-day-bank-holiday"),
    (date(2022, 9, 19), False, "2022-state-funeral"),
    (date(2023, 5, 8), False, "2023-coronation"),
]


@pytest.mark.parametrize(
    ("day", "expected"),
    [c[:2] for c in WORKING_DAY_CASES],
    ids=[c[2] for c in WORKING_DAY_CASES],
)
def test_is_working_day(day: date, expected: bool) -> None:
    assert workdays.is_working_day(day) is expected
    assert WorkingCalendar().is_working_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 12, 29), False),
        (date(2026, 12, 31), False),
        (date(2027, 1, 4), True),
        (date(2026, 12, 24), True),
    ],
    ids=["closure-29-dec", "closure-31-dec", "first-day-back", "christmas-eve-open"],
)
def test_closure_days_are_not_working_days(day: date, expected: bool) -> None:
    assert CLOSED.is_working_day(day) is expected
    assert workdays.is_working_day(day, calendar=CLOSED) is expected


def test_a_datetime_is_not_accepted_as_a_day() -> None:
    # Its UTC date may not be the London day; callers must go through local_date().
    with pytest.raises(TypeError, match="local_date"):
        workdays.is_working_day(utc(2026, 6, 14, 23, 30))
    with pytest.raises(TypeError, match="local_date"):
        workdays.add_working_days(utc(2026, 6, 14, 23, 30), 1)


ADD_CASES = [
    (date(2026, 6, 15), 5, date(2026, 6, 22), "monday-plus-5"),
    (date(2026, 6, 11), -5, date(2026, 6, 4), "thursday-minus-5"),
    (date(2026, 4, 2), 1, date(2026, 4, 7), "over-easter-2026"),
    (date(2026, 4, 7), -1, date(2026, 4, 2), "back-over-easter-2026"),
    (date(2026, 4, 4), 1, date(2026, 4, 7), "from-easter-saturday"),
    (date(2026, 4, 4), -1, date(2026, 4, 2), "back-from-easter-saturday"),
    (date(2026, 4, 2), 0, date(2026, 4, 2), "zero-on-working-day"),
    (date(2026, 4, 4), 0, date(2026, 4, 4), "zero-on-saturday-is-identity"),
    (date(2026, 12, 24), 1, date(2026, 12, 29), "over-christmas-2026"),
    (date(2026, 12, 23), 10, date(2027, 1, 11), "ten-over-christmas-2026"),
    (date(2027, 1, 4), -3, date(2026, 12, 29), "back-over-new-year-2027"),
    (date(2027, 12, 24), 1, date(2027, 12, 29), "over-christmas-2027-substitutes"),
    (date(2025, 12, 31), 253, date(2026, 12, 31), "all-253-working-days-of-2026"),
]


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [c[:3] for c in ADD_CASES],
    ids=[c[3] for c in ADD_CASES],
)
def test_add_working_days(start: date, n: int, expected: date) -> None:
    assert workdays.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 12, 23), 2, date(2027, 1, 4)),
        (date(2027, 1, 4), -1, date(2026, 12, 24)),
        (date(2027, 12, 24), 1, date(2028, 1, 4)),
    ],
    ids=["forward-over-closures", "back-over-closures", "closures-then-new-year-substitute"],
)
def test_add_working_days_with_closures(start: date, n: int, expected: date) -> None:
    assert CLOSED.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 6, 19), date(2026, 6, 22)),
        (date(2026, 6, 15), date(2026, 6, 16)),
        (date(2026, 4, 5), date(2026, 4, 7)),
        (date(2027, 12, 26), date(2027, 12, 29)),
    ],
    ids=["friday", "monday", "easter-sunday-2026", "boxing-day-2027"],
)
def test_next_working_day_is_strictly_after(day: date, expected: date) -> None:
    assert workdays.next_working_day(day) == expected


# --- the S2S offer deadline --------------------------------------------------------------

OFFER_CASES = [
    # DOMAIN.md's own examples
    (london(2026, 6, 15, 9), utc(2026, 6, 16, 16), "monday-0900-bst"),
    (london(2026, 1, 12, 9), utc(2026, 1, 13, 17), "monday-0900-gmt"),
    (london(2026, 6, 19, 16, 59), utc(2026, 6, 22, 16), "friday-1659"),
    (london(2026, 6, 19, 17, 1), utc(2026, 6, 22, 16), "friday-after-close"),
    (london(2026, 6, 20, 11), utc(2026, 6, 22, 16), "saturday"),
    (london(2026, 6, 21, 23, 59), utc(2026, 6, 22, 16), "sunday-2359"),
    (london(2026, 4, 2, 10), utc(2026, 4, 7, 16), "thursday-before-good-friday-2026"),
    (london(2026, 4, 3, 10), utc(2026, 4, 7, 16), "good-friday-2026"),
    (london(2026, 4, 6, 10), utc(2026, 4, 7, 16), "easter-monday-2026"),
    # Easter 2027 straddles the March clock change (28 Mar 2027): received GMT, due BST.
    (london(2027, 3, 25, 10), utc(2027, 3, 30, 16), "thursday-before-good-friday-2027"),
    (london(2027, 3, 30, 10), utc(2027, 3, 31, 16), "tuesday-after-easter-2027"),
    # Late-evening UTC receipt that is already the next London day (BST)
    (utc(2026, 6, 14, 23, 30), utc(2026, 6, 16, 16), "sunday-2330-utc-is-monday-bst"),
    (utc(2026, 6, 21, 23), utc(2026, 6, 23, 16), "sunday-2300-utc-is-monday-midnight"),
    (utc(2026, 4, 2, 23, 30), utc(2026, 4, 7, 16), "thursday-2330-utc-is-good-friday"),
    # ...but in winter 23:30 UTC is still the same London day
    (utc(2026, 1, 11, 23, 30), utc(2026, 1, 12, 17), "sunday-2330-utc-in-winter"),
    # Other zones are converted to London first
    (datetime(2026, 6, 19, 20, tzinfo=NEW_YORK), utc(2026, 6, 22, 16), "new-york-friday-eve"),
    (datetime(2026, 6, 15, 4, tzinfo=KOLKATA), utc(2026, 6, 15, 16), "plus-0530-is-sunday"),
    # Christmas 2026: 25 Dec Friday, Boxing Day Saturday, substitute Monday 28 Dec
    (london(2026, 12, 24, 12), utc(2026, 12, 29, 17), "christmas-eve-2026"),
    (london(2026, 12, 25, 12), utc(2026, 12, 29, 17), "christmas-day-2026"),
    (london(2026, 12, 28, 12), utc(2026, 12, 29, 17), "boxing-substitute-2026"),
    (london(2026, 12, 31, 12), utc(2027, 1, 4, 17), "new-years-eve-2026"),
    # Christmas 2027: 25/26 Dec Sat/Sun, substitutes Mon 27 and Tue 28 Dec
    (london(2027, 12, 24, 12), utc(2027, 12, 29, 17), "christmas-eve-2027"),
    (london(2027, 12, 27, 12), utc(2027, 12, 29, 17), "christmas-substitute-2027"),
    (london(2027, 12, 31, 12), utc(2028, 1, 4, 17), "new-year-2028-substitute-monday"),
    # Early May, spring and summer bank holidays
    (london(2026, 5, 1, 12), utc(2026, 5, 5, 16), "early-may-2026"),
    (london(2026, 5, 22, 12), utc(2026, 5, 26, 16), "spring-2026"),
    (london(2026, 8, 28, 12), utc(2026, 9, 1, 16), "summer-2026"),
    (london(2027, 4, 30, 12), utc(2027, 5, 4, 16), "early-may-2027"),
    (london(2027, 5, 28, 12), utc(2027, 6, 1, 16), "spring-2027"),
    (london(2027, 8, 27, 12), utc(2027, 8, 31, 16), "summer-2027"),
    # March 2026 clock change (Sun 29 Mar, 01:00 UTC): received GMT, due BST
    (london(2026, 3, 27, 17, 30), utc(2026, 3, 30, 16), "march-change-friday-evening"),
    (london(2026, 3, 28, 12), utc(2026, 3, 30, 16), "march-change-saturday"),
    (utc(2026, 3, 29, 0, 30), utc(2026, 3, 30, 16), "march-change-sunday-before-change"),
    (utc(2026, 3, 29, 23, 30), utc(2026, 3, 31, 16), "march-change-sunday-2330-utc-is-monday"),
    # October 2026 clock change (Sun 25 Oct, 01:00 UTC): received BST, due GMT
    (london(2026, 10, 23, 10), utc(2026, 10, 26, 17), "october-change-friday"),
    (utc(2026, 10, 24, 23, 30), utc(2026, 10, 26, 17), "october-change-saturday-2330-utc"),
    (utc(2026, 10, 25, 23, 30), utc(2026, 10, 26, 17), "october-change-sunday-2330-utc"),
    (london(2026, 10, 26, 9), utc(2026, 10, 27, 17), "october-change-monday"),
]


@pytest.mark.parametrize(
    ("received", "due"),
    [c[:2] for c in OFFER_CASES],
    ids=[c[2] for c in OFFER_CASES],
)
def test_offer_due(received: datetime, due: datetime) -> None:
    result = workdays.offer_due(received)
    assert result == due
    assert result.tzinfo is UTC
    assert workdays.to_local(result).time() == time(17, 0)


CLOSURE_OFFER_CASES = [
    (london(2026, 12, 23, 12), utc(2026, 12, 24, 17), "before-christmas-2026"),
    (london(2026, 12, 24, 12), utc(2027, 1, 4, 17), "christmas-eve-2026"),
    (london(2026, 12, 28, 12), utc(2027, 1, 4, 17), "substitute-day-2026"),
    (london(2027, 12, 24, 12), utc(2028, 1, 4, 17), "christmas-eve-2027"),
    (london(2027, 12, 28, 12), utc(2028, 1, 4, 17), "substitute-day-2027"),
]


@pytest.mark.parametrize(
    ("received", "due"),
    [c[:2] for c in CLOSURE_OFFER_CASES],
    ids=[c[2] for c in CLOSURE_OFFER_CASES],
)
def test_offer_due_skips_local_closures(received: datetime, due: datetime) -> None:
    assert workdays.offer_due(received, calendar=CLOSED) == due
    assert CLOSED.offer_due(received) == due


def test_offer_due_uses_the_configured_close_of_business() -> None:
    cal = WorkingCalendar.from_settings(close_of_business="16:30")
    assert cal.offer_due(london(2026, 6, 19, 16, 59)) == utc(2026, 6, 22, 15, 30)
    assert cal.offer_due(london(2026, 1, 9, 12)) == utc(2026, 1, 12, 16, 30)


# --- MARAC cut-off -----------------------------------------------------------------------

MARAC_CASES = [
    (london(2026, 6, 11, 10), 5, WorkingCalendar(), utc(2026, 6, 4, 16), "plain-week"),
    (utc(2026, 6, 11, 9), 5, WorkingCalendar(), utc(2026, 6, 4, 16), "meeting-given-in-utc"),
    (london(2026, 6, 11, 10), 3, WorkingCalendar(), utc(2026, 6, 8, 16), "three-days"),
    (london(2026, 4, 9, 10), 5, WorkingCalendar(), utc(2026, 3, 31, 16), "over-easter-2026"),
    (london(2026, 4, 2, 10), 5, WorkingCalendar(), utc(2026, 3, 26, 17), "cutoff-in-gmt"),
    (london(2026, 10, 29, 10), 5, WorkingCalendar(), utc(2026, 10, 22, 16), "cutoff-in-bst"),
    (london(2027, 1, 7, 10), 5, WorkingCalendar(), utc(2026, 12, 30, 17), "over-new-year"),
    (london(2027, 1, 7, 10), 5, CLOSED, utc(2026, 12, 23, 17), "over-new-year-closures"),
    (london(2026, 8, 31, 10), 1, WorkingCalendar(), utc(2026, 8, 28, 16), "meeting-on-holiday"),
]


@pytest.mark.parametrize(
    ("meeting", "days", "cal", "cutoff"),
    [c[:4] for c in MARAC_CASES],
    ids=[c[4] for c in MARAC_CASES],
)
def test_marac_cutoff(meeting: datetime, days: int, cal: WorkingCalendar, cutoff: datetime) -> None:
    assert workdays.marac_cutoff(meeting, days, calendar=cal) == cutoff
    assert cal.marac_cutoff(meeting, days).tzinfo is UTC


@pytest.mark.parametrize("days", [0, -1], ids=["zero", "negative"])
def test_marac_cutoff_needs_at_least_one_working_day(days: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        workdays.marac_cutoff(london(2026, 6, 11, 10), days)


# --- working hours -----------------------------------------------------------------------

HOURS_CASES = [
    (london(2026, 6, 15, 9), london(2026, 6, 16, 17), 16.0, "two-full-days"),
    (london(2026, 6, 15, 10, 30), london(2026, 6, 15, 12), 1.5, "within-one-day"),
    (london(2026, 6, 19, 16), london(2026, 6, 22, 10), 2.0, "over-a-weekend"),
    (london(2026, 6, 20, 12), london(2026, 6, 22, 12, 30), 3.5, "from-saturday"),
    (london(2026, 6, 15, 7), london(2026, 6, 15, 8, 30), 0.0, "before-opening"),
    (london(2026, 6, 15, 17, 30), london(2026, 6, 16, 8, 59), 0.0, "overnight"),
    (london(2026, 4, 2, 16), london(2026, 4, 7, 10), 2.0, "over-easter-2026"),
    (london(2026, 3, 27, 16), london(2026, 3, 30, 10), 2.0, "over-march-clock-change"),
    (london(2026, 10, 23, 16), london(2026, 10, 26, 10), 2.0, "over-october-clock-change"),
    (london(2026, 12, 24, 16), london(2026, 12, 29, 10), 2.0, "over-christmas-2026"),
    (utc(2026, 6, 15, 8), datetime(2026, 6, 15, 5, tzinfo=NEW_YORK), 1.0, "mixed-zones"),
    (london(2026, 1, 1), london(2027, 1, 1), 253 * 8.0, "whole-of-2026"),
    (london(2026, 6, 15, 12), london(2026, 6, 15, 12), 0.0, "empty"),
    (london(2026, 6, 16, 12), london(2026, 6, 15, 12), 0.0, "end-before-start"),
]


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [c[:3] for c in HOURS_CASES],
    ids=[c[3] for c in HOURS_CASES],
)
def test_working_hours_between(start: datetime, end: datetime, hours: float) -> None:
    assert workdays.working_hours_between(start, end) == hours
    assert workdays.working_time_between(start, end) == timedelta(hours=hours)


def test_working_hours_respect_closures_and_custom_hours() -> None:
    assert CLOSED.working_hours_between(london(2026, 1, 1), london(2027, 1, 1)) == 250 * 8.0
    cal = WorkingCalendar.from_settings(opening_time="08:30", close_of_business="16:30")
    assert cal.working_hours_between(london(2026, 6, 15, 8), london(2026, 6, 15, 12)) == 3.5
    assert cal.working_hours_between(london(2026, 6, 15, 16), london(2026, 6, 16, 9)) == 1.0


# --- local time helpers ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "day", "wall_clock"),
    [
        (utc(2026, 6, 14, 23, 30), date(2026, 6, 15), time(0, 30)),
        (utc(2026, 1, 11, 23, 30), date(2026, 1, 11), time(23, 30)),
        (utc(2026, 3, 29, 1), date(2026, 3, 29), time(2, 0)),
        (utc(2026, 10, 25, 0, 30), date(2026, 10, 25), time(1, 30)),
        (utc(2026, 10, 25, 1, 30), date(2026, 10, 25), time(1, 30)),
    ],
    ids=["bst-evening", "gmt-evening", "march-change", "october-first-0130", "october-second-0130"],
)
def test_local_date_and_to_local(instant: datetime, day: date, wall_clock: time) -> None:
    local = workdays.to_local(instant)
    assert workdays.local_date(instant) == day
    assert local.date() == day
    assert local.time() == wall_clock
    # The same instant, only shown in London time. Compare in UTC: Python treats an ambiguous
    # local time (the repeated 01:30 in October) as unequal to every other zone's instant.
    assert local.astimezone(UTC) == instant
    assert local.tzinfo is LONDON


NAIVE = datetime(2026, 6, 15, 9)  # deliberately naive
AWARE = london(2026, 6, 15, 9)


@pytest.mark.parametrize(
    "call",
    [
        lambda: workdays.offer_due(NAIVE),
        lambda: workdays.to_local(NAIVE),
        lambda: workdays.local_date(NAIVE),
        lambda: workdays.marac_cutoff(NAIVE, 5),
        lambda: workdays.working_hours_between(NAIVE, AWARE),
        lambda: workdays.working_hours_between(AWARE, NAIVE),
        lambda: workdays.working_time_between(NAIVE, AWARE),
    ],
    ids=["offer_due", "to_local", "local_date", "marac_cutoff", "hours-start", "hours-end", "time"],
)
def test_naive_datetimes_are_rejected(call) -> None:
    with pytest.raises(ValueError, match="naive"):
        call()


# --- building a calendar -----------------------------------------------------------------


def test_defaults() -> None:
    cal = WorkingCalendar()
    assert cal.timezone == LONDON
    assert (cal.opening_time, cal.close_of_business) == (time(9), time(17))
    assert (cal.country, cal.subdiv, cal.closures) == ("GB", "ENG", frozenset())
    assert WorkingCalendar.from_settings() == cal
    assert workdays.default_calendar() == cal


def test_from_settings_parses_plain_values() -> None:
    cal = WorkingCalendar.from_settings(
        timezone="Europe/London",
        close_of_business="16:30",
        opening_time="8:45",
        closures=["2026-12-29", date(2026, 12, 30)],
    )
    assert cal.close_of_business == time(16, 30)
    assert cal.opening_time == time(8, 45)
    assert cal.closures == frozenset({date(2026, 12, 29), date(2026, 12, 30)})
    assert cal.timezone == LONDON


def test_calendar_is_frozen_and_hashable() -> None:
    cal = WorkingCalendar(closures=[date(2026, 12, 29)])  # any iterable, stored frozen
    assert cal.closures == frozenset({date(2026, 12, 29)})
    assert hash(cal) == hash(WorkingCalendar(closures=frozenset({date(2026, 12, 29)})))
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.close_of_business = time(18)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"close_of_business": "25:00"}, "CLOSE_OF_BUSINESS must be a 24-hour time"),
        ({"close_of_business": "5pm"}, "CLOSE_OF_BUSINESS must be a 24-hour time"),
        ({"close_of_business": "17"}, "CLOSE_OF_BUSINESS must be a 24-hour time"),
        ({"close_of_business": "17:60"}, "CLOSE_OF_BUSINESS must be a 24-hour time"),
        ({"close_of_business": "17:00:00"}, "CLOSE_OF_BUSINESS must be a 24-hour time"),
        ({"close_of_business": ""}, "CLOSE_OF_BUSINESS must be a 24-hour time"),
        ({"opening_time": "nine"}, "OPENING_TIME must be a 24-hour time"),
        ({"opening_time": "17:00"}, "opening_time 17:00 must be before close_of_business"),
        ({"opening_time": "18:00"}, "opening_time 18:00 must be before close_of_business"),
        ({"timezone": "Europe/Londn"}, "TIMEZONE must be an IANA time zone"),
        ({"timezone": ""}, "TIMEZONE must be an IANA time zone"),
        ({"timezone": "../etc/passwd"}, "TIMEZONE must be an IANA time zone"),
        ({"closures": ["29/12/2026"]}, "closure days must be dates written YYYY-MM-DD"),
        ({"closures": ["2026-13-01"]}, "closure days must be dates written YYYY-MM-DD"),
        ({"closures": [datetime(2026, 12, 29, tzinfo=UTC)]}, "not datetimes"),
        ({"country": "XX"}, "no bank holiday data"),
        ({"subdiv": "XYZ"}, "no bank holiday data"),
    ],
    ids=[
        "hour-25",
        "5pm",
        "hour-only",
        "minute-60",
        "seconds",
        "empty",
        "opening-words",
        "opening-equals-close",
        "opening-after-close",
        "misspelt-zone",
        "empty-zone",
        "path-zone",
        "closure-uk-format",
        "closure-month-13",
        "closure-datetime",
        "unknown-country",
        "unknown-subdivision",
    ],
)
def test_from_settings_rejects_bad_values(settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingCalendar.from_settings(**settings)


def test_holiday_lookups_are_cached_per_year(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []
    real = workdays.holidays.country_holidays

    def counting(*args, **kwargs):
        calls.append(kwargs.get("years"))
        return real(*args, **kwargs)

    monkeypatch.setattr(workdays.holidays, "country_holidays", counting)
    workdays._bank_holidays.cache_clear()
    try:
        cal = WorkingCalendar()
        for _ in range(50):
            cal.working_hours_between(london(2026, 1, 1), london(2027, 1, 1))
    finally:
        workdays._bank_holidays.cache_clear()
    assert calls.count(2026) == 1
    assert calls.count(2027) == 1
