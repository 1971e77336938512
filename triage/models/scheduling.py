"""Due actions (deadlines as rows), local closure days, and small system state (heartbeats)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.extensions import db
from triage.timeutil import UTCDateTime, utcnow

DUE_ACTION_KINDS = (
    "offer_reminder",
    "offer_escalation",
    "marac_listing",
    "marac_minutes_reminder",
    "marac_minutes_escalation",
    "marac_feedback_reminder",
    "marac_feedback_escalation",
)
DUE_ACTION_STATUSES = ("pending", "enqueued", "running", "done", "failed", "cancelled")


class DueAction(db.Model):
    """Something that must happen at a time. The row is the record; Redis timers only speed it."""

    __tablename__ = "due_actions"
    __table_args__ = (Index("ix_due_actions_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    # A meeting's follow-up (minutes to agencies; IDVA feedback for one of its cases).
    marac_meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("marac_meetings.id", ondelete="CASCADE"), index=True
    )
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # referral + kind + due time: running the action twice can only ever match one row.
    key: Mapped[str] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict | None] = mapped_column(JSON)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClosureDay(db.Model):
    """A local closure day (e.g. a council closure between Christmas and New Year)."""

    __tablename__ = "closure_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SystemState(db.Model):
    """Small named values the app keeps: the sweeper's heartbeat, the last audit checkpoint."""

    __tablename__ = "system_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
