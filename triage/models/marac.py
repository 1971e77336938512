"""MARAC meetings (rows, so one can be moved, cancelled or added) and the cases listed at them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.referral import Referral
from triage.timeutil import UTCDateTime, utcnow


class MaracMeeting(db.Model):
    __tablename__ = "marac_meetings"
    __table_args__ = (Index("uq_marac_meetings_scheduled_for", "scheduled_for", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, unique=True)
    cutoff_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")  # scheduled/cancelled/held
    note: Mapped[str | None] = mapped_column(Text)
    # The schedule date this row was generated for (None for an extra meeting): a moved or
    # cancelled meeting still holds its slot, so generation never recreates it.
    scheduled_for: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the coordinator recorded it held, and when the minutes and actions went out.
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    listings: Mapped[list[MaracListing]] = relationship(
        back_populates="meeting", foreign_keys="MaracListing.meeting_id"
    )


class MaracListing(db.Model):
    __tablename__ = "marac_listings"
    __table_args__ = (
        UniqueConstraint("referral_id", "meeting_id"),
        Index("ix_marac_listings_meeting_status", "meeting_id", "status"),
        # At most one active listing per referral, whatever runs concurrently.
        Index(
            "uq_marac_listings_one_active",
            "referral_id",
            unique=True,
            postgresql_where=text("status = 'listed'"),
            sqlite_where=text("status = 'listed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("marac_meetings.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    # listed / moved / heard / deferred (to the next meeting) / withdrawn (the case was closed
    # while listed: off the agenda)
    status: Mapped[str] = mapped_column(String(20), default="listed")
    criteria: Mapped[list] = mapped_column(JSON, default=list)
    has_children: Mapped[bool] = mapped_column(Boolean, default=False)
    is_repeat: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when a full or cancelled meeting pushed the case on, so the agenda can show it.
    pushed_from_meeting_id: Mapped[int | None] = mapped_column(ForeignKey("marac_meetings.id"))
    move_reason: Mapped[str | None] = mapped_column(Text)
    listed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heard_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the meeting decided for the case (LISTING_OUTCOMES), and the IDVA's feedback.
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    feedback_given_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[MaracMeeting] = relationship(
        back_populates="listings", foreign_keys=[meeting_id]
    )
    referral: Mapped[Referral] = relationship()


LISTING_OUTCOMES: dict[str, str] = {
    "actions_agreed": "Heard: actions agreed",
    "no_further_action": "Heard: no further action",
    "deferred": "Deferred to the next meeting",
    "withdrawn": "Withdrawn",
}

ACTION_STATUSES = ("open", "done", "not_done", "blocked")


class MaracAction(db.Model):
    """A safety action agreed at a meeting for one listed case, owned by one agency.

    An action that was not done is either `blocked` (a change of circumstances) or simply
    `not_done` (DOMAIN.md)."""

    __tablename__ = "marac_actions"
    __table_args__ = (Index("ix_marac_actions_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("marac_listings.id"), index=True)
    agency: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open")
    status_note: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    listing: Mapped[MaracListing] = relationship()
