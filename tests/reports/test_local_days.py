"""The London date of a UTC instant in SQL (both back ends), across the clock changes, and
percentiles over counted values (the MARAC waits)."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

from sqlalchemy import literal, select

from triage.extensions import db
from triage.services.reports import percentiles
from triage.services.reports.local_days import clock_periods, local_date_sql
from triage.timeutil import UTCDateTime
from triage.workdays import default_calendar

CAL = default_calendar()
# Either side of London midnight and of the clock changes of 2026 (29 March, 25 October).
INSTANTS = [
    datetime(2026, 3, 28, 23, 59, tzinfo=UTC),  # Sat 23:59 GMT
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # Sun 00:30 GMT
    datetime(2026, 3, 29, 22, 59, tzinfo=UTC),  # Sun 23:59 BST
    datetime(2026, 3, 29, 23, 0, tzinfo=UTC),  # Mon 00:00 BST
    datetime(2026, 10, 24, 23, 30, tzinfo=UTC),  # Sun 00:30 BST
    datetime(2026, 10, 25, 23, 30, tzinfo=UTC),  # Sun 23:30 GMT
    datetime(2026, 7, 1, 23, 0, tzinfo=UTC),  # Thu 00:00 BST
]


def test_two_clock_changes_a_year():
    periods = clock_periods(CAL, date(2026, 1, 1), date(2026, 12, 31))
    assert [edge for edge, _offset in periods[1:]] == [
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 1, 0, tzinfo=UTC),
    ]


def test_the_local_date_in_sql_is_the_calendars(app_ctx):
    dialect = db.session.get_bind().dialect.name
    for instant in INSTANTS:
        column = literal(instant, UTCDateTime())
        day = local_date_sql(column, dialect, CAL, date(2025, 1, 1), date(2026, 12, 31))
        found = db.session.scalar(select(day))
        found = found if isinstance(found, date) else date.fromisoformat(found)
        assert found == CAL.local_date(instant), instant


def test_percentiles_over_counts_equal_those_over_the_values():
    rng = random.Random(4)
    for _ in range(200):
        values = [float(rng.randrange(0, 12)) for _ in range(rng.randrange(1, 40))]
        counted: dict[float, int] = {}
        for v in values:
            counted[v] = counted.get(v, 0) + 1
        for fraction in (0.5, 0.9):
            assert percentiles.interpolate_counts(counted, fraction) == percentiles.interpolate(
                values, fraction
            )
    assert percentiles.interpolate_counts({}, 0.5) is None
