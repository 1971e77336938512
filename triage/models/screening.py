"""Screening decisions (append-only, one version per revision) and the assessment history.

A decision is never updated: a revision is a new row with the next version number for its
referral, so every version stays on record. The unique (referral, version) pair is the
backstop of the optimistic lock: two screeners writing the same next version cannot both
succeed. `AssessmentRecord` keeps every assessment a referral has had (the intake one and
any raised by professional judgement); the referral keeps the current one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from triage.extensions import db
from triage.models.user import User
from triage.timeutil import UTCDateTime, utcnow

ROUTES = {
    "s2s_offer": "S2S support offer",
    "marac": "Refer to MARAC",
    "idva": "IDVA allocation",
    "perpetrator_pathway": "Perpetrator pathway",
    "signpost": "Signpost to another service",
    "no_further_action": "No further action",
}
# Roles whose users may own (hold) a case.
OWNER_ROLES = ("idva", "screener", "s2s_lead")


class ScreeningDecision(db.Model):
    __tablename__ = "screening_decisions"
    __table_args__ = (UniqueConstraint("referral_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    route: Mapped[str] = mapped_column(String(30))
    signpost_to: Mapped[str | None] = mapped_column(String(200))
    no_action_reason: Mapped[str | None] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    agencies: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str | None] = mapped_column(Text)
    # Set when this decision raised the risk level by professional judgement.
    judgement_reason: Mapped[str | None] = mapped_column(Text)
    risk_before: Mapped[str] = mapped_column(String(10))
    risk_after: Mapped[str] = mapped_column(String(10))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship(foreign_keys=[owner_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def route_label(self) -> str:
        return ROUTES.get(self.route, self.route)


class AssessmentRecord(db.Model):
    """One assessment a referral has had, in order (`sequence` 1 is the intake one)."""

    __tablename__ = "assessment_records"
    __table_args__ = (UniqueConstraint("referral_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), index=True
    )
    sequence: Mapped[int] = mapped_column(Integer)
    cause: Mapped[str] = mapped_column(String(30))  # intake / professional_judgement
    assessment: Mapped[dict] = mapped_column(JSON)
    ruleset_version: Mapped[str] = mapped_column(String(40))
    risk_level: Mapped[str] = mapped_column(String(10))
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("screening_decisions.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
