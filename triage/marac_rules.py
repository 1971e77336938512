"""MARAC schedule, allocation and agenda order as pure functions over plain data.

No Flask, no database, no clock: `triage.services.marac` loads rows, calls these, and
stores what comes back. See docs/marac.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, TypeVar

from triage.workdays import WorkingCalendar

REPEAT_WINDOW_MONTHS = 12


@dataclass(frozen=True)
class MaracSettings:
    """The recurring schedule (DOMAIN.md defaults; config.py MARAC_*)."""

    weekday: int = 3  # Thursday (Monday is 0)
    start_time: time = time(10, 0)
    capacity: int = 25
    cutoff_working_days: int = 5
    weeks_ahead: int = 12  # how far ahead meetings are generated
    # After the meeting (DOMAIN.md): minutes and actions to agencies, IDVA feedback to victim.
    minutes_working_days: int = 3
    feedback_working_days: int = 2

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("MARAC_WEEKDAY must be 0 (Monday) to 6 (Sunday)")
        if self.capacity < 1:
            raise ValueError("MARAC_CAPACITY must be at least 1")
        if self.cutoff_working_days < 1:
            raise ValueError("MARAC_CUTOFF_WORKING_DAYS must be at least 1")
        if self.minutes_working_days < 1 or self.feedback_working_days < 1:
            raise ValueError("MARAC follow-up deadlines must be at least 1 working day")

    @classmethod
    def from_config(cls, config: dict) -> MaracSettings:
        hours, _, minutes = str(config.get("MARAC_TIME", "10:00")).partition(":")
        try:
            start = time(int(hours), int(minutes or 0))
        except ValueError as exc:
            raise ValueError("MARAC_TIME must be HH:MM on a 24-hour clock") from exc
        return cls(
            weekday=int(config.get("MARAC_WEEKDAY", 3)),
            start_time=start,
            capacity=int(config.get("MARAC_CAPACITY", 25)),
            cutoff_working_days=int(config.get("MARAC_CUTOFF_WORKING_DAYS", 5)),
            weeks_ahead=int(config.get("MARAC_SCHEDULE_WEEKS_AHEAD", 12)),
            minutes_working_days=int(config.get("MARAC_MINUTES_WORKING_DAYS", 3)),
            feedback_working_days=int(config.get("MARAC_FEEDBACK_WORKING_DAYS", 2)),
        )


@dataclass(frozen=True)
class FollowUp:
    """One follow-up deadline after a meeting: a reminder at opening time on the day it falls
    due, and the deadline itself (close of business), when a miss escalates."""

    remind_at: datetime
    due_at: datetime


def follow_up(meeting_start: datetime, working_days: int, calendar: WorkingCalendar) -> FollowUp:
    """The deadline `working_days` working days after the meeting's (London) day."""
    day = calendar.add_working_days(calendar.local_date(meeting_start), working_days)
    opening = datetime.combine(day, calendar.opening_time, tzinfo=calendar.timezone)
    return FollowUp(remind_at=opening.astimezone(UTC), due_at=calendar.close_of_business_on(day))


@dataclass(frozen=True)
class PlannedMeeting:
    """One meeting the schedule asks for. `slot` is the scheduled date, `starts_at` may differ
    (moved off a bank holiday or closure day); `note` says why."""

    slot: date
    starts_at: datetime
    cutoff_at: datetime
    note: str | None


def _display(d: date) -> str:
    return f"{d:%A} {d.day} {d:%B %Y}"


def planned_meetings(
    today: date, weeks: int, settings: MaracSettings, calendar: WorkingCalendar
) -> list[PlannedMeeting]:
    """The scheduled meetings from `today` (London date, included) for `weeks` weeks.

    A slot that falls on a non-working day (bank holiday, closure day) moves to the next
    working day at the same local time, and the note says so.
    """
    if weeks < 0:
        raise ValueError("weeks must not be negative")
    first = today + timedelta(days=(settings.weekday - today.weekday()) % 7)
    result: list[PlannedMeeting] = []
    for week in range(weeks):
        slot = first + timedelta(weeks=week)
        day, note = slot, None
        if not calendar.is_working_day(slot):
            day = calendar.next_working_day(slot)
            why = "bank holiday" if calendar.is_bank_holiday(slot) else "closure day"
            note = f"Moved off {why} ({_display(slot)})"
        local = datetime.combine(day, settings.start_time, tzinfo=calendar.timezone)
        starts_at = local.astimezone(UTC)
        cutoff = calendar.marac_cutoff(starts_at, settings.cutoff_working_days)
        result.append(PlannedMeeting(slot, starts_at, cutoff, note))
    return result


class MeetingLike(Protocol):
    id: int
    starts_at: datetime
    cutoff_at: datetime
    capacity: int
    status: str


M = TypeVar("M", bound=MeetingLike)


def open_for_listing(meeting: MeetingLike, now: datetime) -> bool:
    """A meeting takes new cases until its cut-off instant (inclusive)."""
    return meeting.status == "scheduled" and meeting.cutoff_at >= now


def choose_meeting(
    meetings: Sequence[M], counts: dict[int, int], now: datetime
) -> tuple[M | None, M | None]:
    """(the earliest open meeting with room, the first open meeting passed over as full).

    `counts` maps meeting id to the cases already listed there.
    """
    first_full: M | None = None
    for meeting in sorted(meetings, key=lambda m: m.starts_at):
        if not open_for_listing(meeting, now):
            continue
        if counts.get(meeting.id, 0) < meeting.capacity:
            return meeting, first_full
        first_full = first_full or meeting
    return None, first_full


def add_months(d: date, months: int) -> date:
    """Calendar months later; 29 February + 12 months is 28 February."""
    year, month = divmod(d.month - 1 + months, 12)
    year += d.year
    month += 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, min(d.day, day))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {d}")


def repeat_window_ends(last_heard: date) -> date:
    """The last day on which a new incident still makes the case a MARAC repeat."""
    return add_months(last_heard, REPEAT_WINDOW_MONTHS)


def lapsed_in_window(last_heard: date, after: date, upto: date) -> bool:
    """Did the 12-month repeat window lapse in (after, upto]? Used for the agenda notice:
    windows that lapsed since the previous meeting."""
    return after < repeat_window_ends(last_heard) <= upto


T = TypeVar("T")


def agenda_sections(
    cases: Iterable[T], key: Callable[[T], tuple[bool, datetime, int]]
) -> tuple[list[T], list[T]]:
    """SafeLives order for new cases: households with children first, then adult-only; each
    in the order they were listed. `key(case)` gives (has_children, listed_at, listing id)."""
    ordered = sorted(cases, key=lambda c: key(c)[1:])
    return [c for c in ordered if key(c)[0]], [c for c in ordered if not key(c)[0]]
