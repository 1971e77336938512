"""Drafts of long forms, kept on the server so nothing typed is lost.

One draft per user per form. It is saved on every section POST, valid or not, survives a
failed validation or a timed-out session, and is deleted when the referral is submitted.
A draft holds what was typed (personal data): only its owner ever reads it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from triage.extensions import db
from triage.timeutil import UTCDateTime, utcnow


class ReferralDraft(db.Model):
    __tablename__ = "referral_drafts"
    __table_args__ = (UniqueConstraint("user_id", "form"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    form: Mapped[str] = mapped_column(String(40), default="referral")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
