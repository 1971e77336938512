"""Referrals (with the stored assessment) and S2S support offers."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.person import Person, PersonDetails
from triage.models.user import User
from triage.timeutil import UTCDateTime, utcnow

SOURCE_AGENCIES = {
    "police": "Police",
    "health": "Health",
    "childrens_social_care": "Children's social care",
    "adult_social_care": "Adult social care",
    "housing": "Housing",
    "probation": "Probation",
    "voluntary_sector": "Voluntary sector",
    "idva": "IDVA service",
    "marac": "MARAC",
    "self": "Self-referral",
    "other": "Other",
}

STATUSES = ("received", "offer_made", "closed")
# Every column the timeliness report reads, the range column first.
REPORT_INDEX_COLUMNS = (
    "received_at",
    "offer_due_at",
    "first_offer_at",
    "first_contact_at",
    "first_offer_hours",
    "source_agency",
    "risk_level",
    "mcic",
    "status",
    "closed_at",
    "first_offer_late_reason",
    "id",
)


class Referral(db.Model):
    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_received_at", "received_at"),
        Index("ix_referrals_status_due", "status", "offer_due_at"),
        # The duplicate check compares references without case (migration 0012).
        Index("ix_referrals_police_reference_lower", text("lower(police_reference)")),
        # The timeliness report's range scan reads only this index (migration 0018).
        Index("ix_referrals_report_timeliness", *REPORT_INDEX_COLUMNS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_agency: Mapped[str] = mapped_column(String(40))
    referrer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    referrer_name: Mapped[str] = mapped_column(String(200))
    referrer_contact: Mapped[str | None] = mapped_column(String(200))
    police_reference: Mapped[str | None] = mapped_column(String(50), unique=True)
    victim_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    perpetrator_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    children_in_household: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    # The facts as given to the rule engine (Dash answers, call-outs, needs...), and free text.
    answers: Mapped[dict] = mapped_column(JSON, default=dict)
    answer_details: Mapped[dict] = mapped_column(JSON, default=dict)
    detail: Mapped[str | None] = mapped_column(Text)
    dash_completed_by: Mapped[str | None] = mapped_column(String(200))
    dash_completed_on: Mapped[date | None] = mapped_column(Date)
    consent_basis: Mapped[str | None] = mapped_column(String(40))

    # The assessment as stored, with the rule-set version it was made under.
    assessment: Mapped[dict] = mapped_column(JSON, default=dict)
    ruleset_version: Mapped[str] = mapped_column(String(40))
    score: Mapped[int] = mapped_column(Integer)
    risk_level: Mapped[str] = mapped_column(String(10))
    marac: Mapped[bool] = mapped_column(Boolean, default=False)
    mcic: Mapped[bool] = mapped_column(Boolean, default=False)

    status: Mapped[str] = mapped_column(String(20), default="received")
    offer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_reason: Mapped[str | None] = mapped_column(String(40))
    # The contact summary the reports read, kept by `services.offers.record_contact` in the
    # contact's own transaction: the first contact of any outcome, and the first offer that
    # reached the victim (earliest made_at, then lowest id) with its working hours and reason.
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_offer_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_offer_hours: Mapped[float | None] = mapped_column(Float)
    first_offer_late_reason: Mapped[str | None] = mapped_column(String(40))
    assigned_idva_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_screener_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Why it was closed: a code from `services.lifecycle.CLOSURE_REASONS`, and free text that
    # the purge erases (the audit trail holds only the code).
    closure_reason: Mapped[str | None] = mapped_column(String(40))
    closure_detail: Mapped[str | None] = mapped_column(Text)
    retention_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    victim: Mapped[Person] = relationship(foreign_keys=[victim_id])
    perpetrator: Mapped[Person | None] = relationship(foreign_keys=[perpetrator_id])
    referrer: Mapped[User | None] = relationship(foreign_keys=[referrer_id])
    assigned_idva: Mapped[User | None] = relationship(foreign_keys=[assigned_idva_id])
    assigned_screener: Mapped[User | None] = relationship(foreign_keys=[assigned_screener_id])
    offers: Mapped[list[Offer]] = relationship(
        back_populates="referral", order_by="Offer.made_at", cascade="all, delete-orphan"
    )
    # What this referral recorded about its victim and perpetrator (one row per role).
    people_details: Mapped[list[PersonDetails]] = relationship(
        back_populates="referral", order_by="PersonDetails.role", cascade="all, delete-orphan"
    )

    def details_for(self, role: str) -> PersonDetails | None:
        return next((d for d in self.people_details if d.role == role), None)

    @property
    def victim_details(self) -> PersonDetails | None:
        return self.details_for("victim")

    @property
    def perpetrator_details(self) -> PersonDetails | None:
        return self.details_for("perpetrator")

    @property
    def reference(self) -> str:
        """A short reference that carries no personal data, safe for e-mails and logs."""
        return f"R{self.id:06d}"


class Offer(db.Model):
    """A support offer made by S2S. On time when made at or before the referral's due time."""

    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_referral_outcome_made", "referral_id", "outcome", "made_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    method: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[str] = mapped_column(String(30))
    notes: Mapped[str | None] = mapped_column(Text)
    # Why an offer came after the due time (the deadline itself never moves).
    late_reason: Mapped[str | None] = mapped_column(String(40))
    late_reason_detail: Mapped[str | None] = mapped_column(Text)
    # Working hours from the referral's receipt to this offer, under the calendar in force when
    # it was recorded (reports read this: a later calendar change must not rewrite history).
    working_hours: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="offers")
    made_by: Mapped[User | None] = relationship()
