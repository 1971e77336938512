"""E-mail outbox: a message is a row first, written in the transaction that decided to send it,
and delivered afterwards by a job. A mail server that is down delays a message, never loses it.
Messages carry a referral reference and a link only, never personal data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.extensions import db
from triage.timeutil import UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(db.Model):
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))
    referral_id: Mapped[int | None] = mapped_column(
        ForeignKey("referrals.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
