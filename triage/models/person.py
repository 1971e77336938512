"""People named in referrals, split by who may rewrite what.

- `Person` is who someone is *for matching only*: the normalised name and the date of birth.
  It is shared by every referral about that person, so it holds nothing a referrer typed that
  another referrer's case could show.
- `PersonDetails` is what one referral recorded about the person in one role (names as
  written, contact and equality details), with when and by whom. A case shows its own row;
  rows from other cases are shown only to users who may see those cases.
- `PossibleMatch` is a "possible earlier referral" task for the screening team: a person the
  referrer could not be shown (their cases are not the referrer's to see) who matches.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.timeutil import UTCDateTime, utcnow

if TYPE_CHECKING:
    from triage.models.referral import Referral

ROLES = ("victim", "perpetrator")
# The fields a referral records about a person (the intake service's person shape).
DETAIL_FIELDS = (
    "first_name",
    "last_name",
    "date_of_birth",
    "postcode",
    "address",
    "gender",
    "racially_minoritised",
    "lgbt",
    "disabled",
    "ethnicity",
    "sexual_orientation",
    "trans",
    "disability",
    "phone",
    "safe_to_call",
    "safe_to_leave_message",
    "safe_to_write",
    "safe_times",
)


class Person(db.Model):
    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_match", "match_name", "date_of_birth"),
        Index("ix_persons_date_of_birth", "date_of_birth"),  # the OR in person matching
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Lower-cased, accents and punctuation stripped: the key for spotting the same person again.
    match_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PersonDetails(db.Model):
    """What one referral recorded about one of its people (see the module docstring)."""

    __tablename__ = "person_details"
    __table_args__ = (UniqueConstraint("referral_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    postcode: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    gender: Mapped[str | None] = mapped_column(String(20))
    # Equality-monitoring fields for the SafeLives quarterly return (None = not known).
    racially_minoritised: Mapped[bool | None] = mapped_column(Boolean)
    lgbt: Mapped[bool | None] = mapped_column(Boolean)
    disabled: Mapped[bool | None] = mapped_column(Boolean)
    # The codes the flags are derived from (triage/equality.py); None = not recorded, kept
    # apart from "prefer_not_to_say".
    ethnicity: Mapped[str | None] = mapped_column(String(40))
    sexual_orientation: Mapped[str | None] = mapped_column(String(20))
    trans: Mapped[str | None] = mapped_column(String(20))
    disability: Mapped[str | None] = mapped_column(String(20))
    # Safe contact (victims): None = not recorded. Shown only to those who contact victims.
    phone: Mapped[str | None] = mapped_column(String(40))
    safe_to_call: Mapped[bool | None] = mapped_column(Boolean)
    safe_to_leave_message: Mapped[bool | None] = mapped_column(Boolean)
    safe_to_write: Mapped[bool | None] = mapped_column(Boolean)
    safe_times: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set by the purge, which blanks the identifying values (the equality flags stay).
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    referral: Mapped[Referral] = relationship(back_populates="people_details")

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def postcode_area(self) -> str | None:
        return self.postcode.split(" ")[0] if self.postcode else None


class PossibleMatch(db.Model):
    """A "possible earlier referral" for the screening team to check (open until resolved)."""

    __tablename__ = "possible_matches"
    __table_args__ = (
        UniqueConstraint("referral_id", "role", "person_id"),
        Index("ix_possible_matches_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(20))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))  # "exact" or "near"
    status: Mapped[str] = mapped_column(String(20), default="open")  # open/linked/dismissed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    referral: Mapped[Referral] = relationship("Referral")
    person: Mapped[Person] = relationship()
