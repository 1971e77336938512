"""A referral's assessment history (`assessment_records`): kept the first time the stored
assessment changes, so the old and the new are both on record (with the intake's first)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from triage.extensions import db
from triage.models import AssessmentRecord, Referral
from triage.rules import Assessment
from triage.services.actor import Actor


def keep(
    referral: Referral,
    new: Assessment,
    *,
    cause: str,
    actor: Actor,
    now: datetime,
    decision_id: int | None = None,
) -> None:
    """Record `new` (why: `cause`) after the assessments already kept; call it before the
    referral's stored assessment is replaced, since the first change keeps that one too."""
    last = db.session.scalar(
        select(func.max(AssessmentRecord.sequence)).where(
            AssessmentRecord.referral_id == referral.id
        )
    )
    if last is None:  # the first change: keep the intake assessment too
        db.session.add(
            AssessmentRecord(
                referral_id=referral.id,
                sequence=1,
                cause="intake",
                assessment=dict(referral.assessment),
                ruleset_version=referral.ruleset_version,
                risk_level=referral.risk_level,
                recorded_by_id=referral.referrer_id,
                recorded_at=referral.created_at or referral.received_at,
            )
        )
        last = 1
    db.session.add(
        AssessmentRecord(
            referral_id=referral.id,
            sequence=last + 1,
            cause=cause,
            assessment=new.to_dict(),
            ruleset_version=new.ruleset_version,
            risk_level=new.risk_level,
            decision_id=decision_id,
            recorded_by_id=actor.user_id,
            recorded_at=now,
        )
    )
