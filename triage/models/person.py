"""People named in referrals: victims and perpetrators (the role is on the referral)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from triage.extensions import db
from triage.timeutil import UTCDateTime, utcnow


class Person(db.Model):
    __tablename__ = "persons"
    __table_args__ = (Index("ix_persons_match", "match_name", "date_of_birth"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    # Lower-cased, accents and punctuation stripped: the key for spotting the same person again.
    match_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    postcode: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(String(20))
    # Equality-monitoring fields for the SafeLives quarterly return (None = not known).
    racially_minoritised: Mapped[bool | None] = mapped_column(Boolean)
    lgbt: Mapped[bool | None] = mapped_column(Boolean)
    disabled: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
