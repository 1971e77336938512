"""The synthetic MARAC schedule: a weekly meeting (Thursday 10:00 London) over the period,
with the default cut-off (5 working days before) and capacity (25 cases); a listing goes to
the earliest meeting whose cut-off has not passed and that has room, as `marac_listing`
allocates, and a full meeting pushes it to the next. A larger area (a region's volume) holds
several meetings each Thursday (`per_week`), a minute apart, as several MARACs would (the
schedule's slot names the first; the others are added meetings, `scheduled_for` empty)."""

from __future__ import annotations

import bisect
from datetime import datetime, time, timedelta
from typing import Any

from triage.workdays import WorkingCalendar

CAPACITY = 25
CUTOFF_WORKING_DAYS = 5


class Meetings:
    def __init__(
        self, first_id: int, start: datetime, end: datetime, cal: WorkingCalendar, per_week: int
    ):
        self.rows: list[dict[str, Any]] = []
        self.used: list[int] = []
        day = cal.local_date(start) - timedelta(days=7)
        day += timedelta(days=(3 - day.weekday()) % 7)  # the first Thursday
        while day <= cal.local_date(end) + timedelta(days=35):
            for slot in range(per_week):
                self._add(first_id, day, slot, start, end, cal)
            day += timedelta(days=7)
        self._cutoffs = [row["cutoff_at"] for row in self.rows]

    def _add(self, first_id, day, slot, start, end, cal) -> None:
        # A minute apart from 09:00: unique for up to 900 meetings a Thursday (the schedule
        # holds one meeting per start time), as a region's hundreds of weekly places need.
        nine = datetime.combine(day, time(9), tzinfo=cal.timezone)
        starts = (nine + timedelta(minutes=slot)).astimezone(start.tzinfo)
        cutoff = starts
        for _ in range(CUTOFF_WORKING_DAYS):
            cutoff -= timedelta(days=1)
            while not cal.is_working_day(cal.local_date(cutoff)):
                cutoff -= timedelta(days=1)
        self.rows.append(
                {"id": first_id + len(self.rows), "starts_at": starts, "cutoff_at": cutoff,
                 "capacity": CAPACITY, "status": "held" if starts <= end else "scheduled",
                 "note": None, "scheduled_for": day if slot == 0 else None,
                 "created_at": starts - timedelta(days=56)},
        )  # fmt: skip
        self.used.append(0)

    def allocate(self, at: datetime) -> tuple[dict[str, Any] | None, int | None]:
        """(meeting, the full meeting it was pushed from, if any)."""
        first = bisect.bisect_right(self._cutoffs, at)
        for index in range(first, len(self.rows)):
            if self.used[index] < CAPACITY:
                self.used[index] += 1
                pushed = self.rows[first]["id"] if index != first else None
                return self.rows[index], pushed
        return None, None
