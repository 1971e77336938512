"""MARAC meetings: the schedule's rows, extra meetings, moving a meeting, and the locking and
counting that listing shares. See docs/marac.md.

Services flush and audit in the caller's transaction; the caller commits once. Capacity is
safe under concurrency: on PostgreSQL the candidate meeting row is locked (`FOR UPDATE`)
before its cases are counted; on SQLite every write transaction begins IMMEDIATE, so
writers are already serialised.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, text

from triage import marac_rules
from triage.extensions import db
from triage.marac_rules import MaracSettings
from triage.models import MaracListing, MaracMeeting
from triage.services import audit
from triage.services.actor import Actor
from triage.workdays import WorkingCalendar

ACTIVE = "listed"
# Statuses that take a place at a meeting.
COUNTED = ("listed", "heard")
# How far ahead listing may create meetings when every existing one is full.
MAX_WEEKS_AHEAD = 104
_SCHEDULE_LOCK_KEY = 0x7472696167650004


class MaracError(ValueError):
    """A MARAC change that cannot be made; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotEligible(MaracError):
    """The referral does not meet the MARAC criteria."""


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def lock_meeting(meeting_id: int) -> MaracMeeting:
    """Load the meeting, locking its row on PostgreSQL so counting its cases is safe."""
    query = select(MaracMeeting).where(MaracMeeting.id == meeting_id)
    if is_postgres():
        query = query.with_for_update()
    meeting = db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if meeting is None:
        raise MaracError("That meeting does not exist")
    return meeting


def count_listed(meeting_id: int) -> int:
    query = select(func.count(MaracListing.id)).where(
        MaracListing.meeting_id == meeting_id, MaracListing.status.in_(COUNTED)
    )
    return int(db.session.scalar(query) or 0)


def listed_counts(meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    query = (
        select(MaracListing.meeting_id, func.count(MaracListing.id))
        .where(MaracListing.meeting_id.in_(meeting_ids), MaracListing.status.in_(COUNTED))
        .group_by(MaracListing.meeting_id)
    )
    return {meeting_id: count for meeting_id, count in db.session.execute(query)}


def ensure_meetings(
    *,
    now: datetime,
    weeks: int,
    actor: Actor,
    settings: MaracSettings,
    calendar: WorkingCalendar,
) -> list[MaracMeeting]:
    """Create the scheduled meetings of the next `weeks` weeks that do not exist yet.

    Idempotent: a slot (the schedule date) that already has a row, even a moved or cancelled
    one, is left alone. Returns the meetings created.
    """
    if is_postgres():
        # Two jobs generating at once would race on the unique slot; take turns instead.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEDULE_LOCK_KEY})
    planned = marac_rules.planned_meetings(calendar.local_date(now), weeks, settings, calendar)
    if not planned:
        return []
    slots = {p.slot for p in planned}
    taken_slots = set(
        db.session.scalars(
            select(MaracMeeting.scheduled_for).where(MaracMeeting.scheduled_for.in_(slots))
        )
    )
    taken_starts = set(
        db.session.scalars(
            select(MaracMeeting.starts_at).where(
                MaracMeeting.starts_at.in_([p.starts_at for p in planned])
            )
        )
    )
    created: list[MaracMeeting] = []
    for plan in planned:
        if plan.slot in taken_slots or plan.starts_at in taken_starts:
            continue
        if plan.starts_at <= now:
            continue  # today's meeting has already started: nothing to generate
        meeting = MaracMeeting(
            starts_at=plan.starts_at,
            cutoff_at=plan.cutoff_at,
            capacity=settings.capacity,
            status="scheduled",
            note=plan.note,
            scheduled_for=plan.slot,
            created_at=now,
        )
        db.session.add(meeting)
        created.append(meeting)
    db.session.flush()
    for meeting in created:
        audit.record(
            "marac.meeting.create",
            actor,
            object_type="marac_meeting",
            object_id=meeting.id,
            details={
                "starts_at": meeting.starts_at.isoformat(),
                "cutoff_at": meeting.cutoff_at.isoformat(),
                "capacity": meeting.capacity,
                "scheduled_for": meeting.scheduled_for.isoformat(),
                "schedule_note": meeting.note,  # generated (bank-holiday moves), never typed
            },
            now=now,
        )
    return created


def add_meeting(
    starts_at: datetime,
    capacity: int,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    settings: MaracSettings,
    calendar: WorkingCalendar,
) -> MaracMeeting:
    """An extra meeting, outside the schedule."""
    _check_start(starts_at, now)
    if capacity < 1:
        raise MaracError("Capacity must be at least 1", "capacity")
    meeting = MaracMeeting(
        starts_at=starts_at,
        cutoff_at=calendar.marac_cutoff(starts_at, settings.cutoff_working_days),
        capacity=capacity,
        status="scheduled",
        note=(note or "").strip() or "Extra meeting",
        created_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "marac.meeting.add",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={
            "starts_at": starts_at.isoformat(),
            "cutoff_at": meeting.cutoff_at.isoformat(),
            "capacity": capacity,
            "note_given": bool((note or "").strip()),  # G16: the text is the meeting's note
        },
        now=now,
    )
    return meeting


def _check_start(starts_at: datetime, now: datetime, exclude_id: int | None = None) -> None:
    if starts_at <= now:
        raise MaracError("The meeting must start in the future", "starts_at")
    clash = select(MaracMeeting.id).where(MaracMeeting.starts_at == starts_at)
    if exclude_id is not None:
        clash = clash.where(MaracMeeting.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise MaracError("There is already a meeting at that date and time", "starts_at")


def move_meeting(
    meeting_id: int,
    new_starts_at: datetime,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    settings: MaracSettings,
    calendar: WorkingCalendar,
) -> MaracMeeting:
    """Move a meeting; its cases stay listed and its cut-off is recalculated."""
    reason = require_reason(reason)
    meeting = lock_meeting(meeting_id)
    if meeting.status != "scheduled":
        raise MaracError("Only a scheduled meeting can be moved")
    _check_start(new_starts_at, now, exclude_id=meeting.id)
    old_start, old_cutoff = meeting.starts_at, meeting.cutoff_at
    meeting.starts_at = new_starts_at
    meeting.cutoff_at = calendar.marac_cutoff(new_starts_at, settings.cutoff_working_days)
    meeting.note = f"Moved: {reason}"
    db.session.flush()
    audit.record(
        "marac.meeting.move",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={
            "starts_at": {"old": old_start.isoformat(), "new": new_starts_at.isoformat()},
            "cutoff_at": {"old": old_cutoff.isoformat(), "new": meeting.cutoff_at.isoformat()},
            "reason_given": True,  # G16: the text is the meeting's note
        },
        reason="meeting_moved",
        now=now,
    )
    return meeting


def require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MaracError("Enter the reason", "reason")
    if len(reason) > 500:
        raise MaracError("The reason must be 500 characters or fewer", "reason")
    return reason
