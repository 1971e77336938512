"""The working clock (overdue ages) gives exactly `working_time_between`, across clock
changes, bank holidays, closure days and instants outside office hours."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from triage.services.reports.working_clock import WorkingClock
from triage.workdays import WorkingCalendar


def test_the_clock_equals_working_time_between():
    calendar = WorkingCalendar(closures=frozenset({date(2026, 3, 26), date(2026, 10, 22)}))
    rng = random.Random(11)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    clock = WorkingClock(calendar, date(2026, 1, 1))
    for _ in range(400):
        a = start + timedelta(seconds=rng.uniform(0, 330 * 86400))
        b = a + timedelta(seconds=rng.uniform(0, 20 * 86400))
        assert clock.at(b) - clock.at(a) == calendar.working_time_between(a, b), (a, b)
