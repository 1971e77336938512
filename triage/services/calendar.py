"""The working calendar as configured: settings plus the closure days an administrator entered.

`current_calendar(settings)` combines TIMEZONE / CLOSE_OF_BUSINESS / OPENING_TIME (from
`triage.settings.CalendarSettings`) with the closure day rows; the pure arithmetic stays in
`triage.workdays`.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import ClosureDay
from triage.services import audit
from triage.services.actor import Actor
from triage.settings import CalendarSettings
from triage.workdays import WorkingCalendar


class ClosureDayError(ValueError):
    """A closure day that cannot be added or removed (duplicate, missing, no reason)."""


def current_calendar(settings: CalendarSettings) -> WorkingCalendar:
    closures = db.session.scalars(select(ClosureDay.day)).all()
    return WorkingCalendar.from_settings(
        timezone=settings.timezone,
        close_of_business=settings.close_of_business,
        opening_time=settings.opening_time,
        closures=closures,
    )


def closure_days(*, from_day: date | None = None) -> list[ClosureDay]:
    query = select(ClosureDay).order_by(ClosureDay.day)
    if from_day is not None:
        query = query.where(ClosureDay.day >= from_day)
    return list(db.session.scalars(query))


def add_closure_day(day: date, reason: str, *, actor: Actor, now: datetime) -> ClosureDay:
    """Add a local closure day. Deadlines already stored do not move (DOMAIN: never recomputed);
    referrals received from now on get deadlines that skip the day."""
    reason = (reason or "").strip()
    if not reason:
        raise ClosureDayError("Enter the reason for the closure")
    if db.session.scalar(select(ClosureDay.id).where(ClosureDay.day == day)) is not None:
        raise ClosureDayError("That day is already a closure day")
    row = ClosureDay(day=day, reason=reason[:200], created_by_id=actor.user_id, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(
        "closure_day.add",
        actor,
        object_type="closure_day",
        object_id=row.id,
        details={"day": day.isoformat(), "reason_given": True},  # G16: the text is on the row
        now=now,
    )
    return row


def remove_closure_day(closure_id: int, *, actor: Actor, now: datetime) -> None:
    row = db.session.get(ClosureDay, closure_id)
    if row is None:
        raise ClosureDayError("That closure day no longer exists")
    audit.record(
        "closure_day.remove",
        actor,
        object_type="closure_day",
        object_id=row.id,
        details={"day": row.day.isoformat()},
        now=now,
    )
    db.session.delete(row)
    db.session.flush()
