"""Data lifecycle: closing a referral starts its retention period; past it, the purge erases
free text and contact details and anonymises people no longer in a live referral (the
subject-access export is in `triage.services.subject_access`).

Every step is audited with metadata only, in the caller's transaction; the caller commits.
The numbers (score, risk level, MARAC and MCIC flags, the Dash answers as codes, dates)
are kept after the purge, so the timeliness and SafeLives figures stay reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from triage.extensions import db
from triage.models import MaracAction, MaracListing, Person, Referral
from triage.services import audit, drafts, person_details
from triage.services.actor import Actor

LONDON = ZoneInfo("Europe/London")
ERASED = "Erased"
REASON_MAX = 500
# Free text kept inside the stored facts (JSON): blanked by the purge.
_FREE_TEXT_FACTS = ("professional_judgement_reason",)


class LifecycleError(ValueError):
    """A lifecycle step that cannot be done (unknown referral, already closed...)."""


@dataclass
class PurgeReport:
    referrals: list[int] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)
    drafts: int = 0

    def as_dict(self) -> dict:
        return {
            "referrals": len(self.referrals),
            "persons": len(self.persons),
            "drafts": self.drafts,
        }


def retention_until(closed_at: datetime, years: int) -> date:
    """The London calendar date `years` after closure (29 February falls back to the 28th)."""
    closed_day = closed_at.astimezone(LONDON).date()
    try:
        return closed_day.replace(year=closed_day.year + years)
    except ValueError:
        return closed_day.replace(year=closed_day.year + years, day=28)


def close_referral(
    referral_id: int, *, reason: str, actor: Actor, now: datetime, years: int
) -> Referral:
    """Close a referral and set its retention date; audited `referral.close` (the reason's text
    is kept on the referral, not in the trail)."""
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise LifecycleError("No such referral")
    if referral.status == "closed":
        raise LifecycleError(f"Referral {referral.reference} is already closed")
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError("Give the reason for closing the referral")
    if len(reason) > REASON_MAX:
        raise LifecycleError(f"The reason must be {REASON_MAX} characters or fewer")
    before = _lifecycle_fields(referral)
    referral.status = "closed"
    referral.closed_at = now.replace(microsecond=0)
    referral.retention_until = retention_until(now, years)
    referral.close_reason = reason  # G16: the text lives here, where the purge erases it
    db.session.flush()
    audit.record(
        "referral.close",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "changes": audit.diff(before, _lifecycle_fields(referral)),
            "reason_given": True,
        },
        now=now,
    )
    return referral


def _lifecycle_fields(referral: Referral) -> dict[str, Any]:
    return {
        "status": referral.status,
        "closed_at": referral.closed_at.isoformat() if referral.closed_at else None,
        "retention_until": (
            referral.retention_until.isoformat() if referral.retention_until else None
        ),
    }


def is_erased(referral: Referral) -> bool:
    return referral.referrer_name == ERASED


def _scrub_facts(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: ("" if key in _FREE_TEXT_FACTS else _scrub_facts(inner))
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [_scrub_facts(inner) for inner in value]
    return value


def _erase_referral(referral: Referral, *, actor: Actor, now: datetime) -> None:
    referral.detail = None
    referral.answer_details = {}
    referral.referrer_name = ERASED
    referral.referrer_contact = None
    referral.police_reference = None
    referral.dash_completed_by = None
    referral.close_reason = None
    referral.answers = _scrub_facts(dict(referral.answers or {}))
    referral.assessment = _scrub_facts(dict(referral.assessment or {}))
    for offer in referral.offers:
        offer.notes = None
        offer.late_reason_detail = None
    for listing in db.session.scalars(
        select(MaracListing).where(MaracListing.referral_id == referral.id)
    ):
        listing.move_reason = None
    for action in db.session.scalars(
        select(MaracAction)
        .join(MaracListing, MaracAction.listing_id == MaracListing.id)
        .where(MaracListing.referral_id == referral.id)
    ):
        action.description = ERASED  # the agency, dates and status stay for the reports
        action.status_note = None
    person_details.erase(referral, erased=ERASED, now=now.replace(microsecond=0))
    audit.record(
        "referral.erase",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "retention_until": referral.retention_until.isoformat()
            if referral.retention_until
            else None,
        },
        now=now,
    )


def _still_referenced(person_id: int) -> bool:
    """Is the person in a referral that has not been erased?"""
    query = select(Referral.id).where(
        or_(Referral.victim_id == person_id, Referral.perpetrator_id == person_id),
        Referral.referrer_name != ERASED,
    )
    return db.session.scalar(query.limit(1)) is not None


def _anonymise_person(person: Person, *, actor: Actor, now: datetime) -> None:
    # What the referrals recorded is erased with each referral; this is the matching key.
    person.match_name = ERASED.lower()
    person.date_of_birth = None
    person.anonymised_at = now.replace(microsecond=0)
    db.session.flush()
    audit.record("person.anonymise", actor, object_type="person", object_id=person.id, now=now)


def purge_expired(*, now: datetime, actor: Actor) -> PurgeReport:
    """Erase referrals past their retention date, anonymise people left in none live, and
    delete referral drafts nobody has saved for `drafts.DRAFT_KEEP_DAYS` days.

    Safe to run twice: an erased referral or an anonymised person is not touched again.
    """
    today = now.astimezone(LONDON).date()
    due = db.session.scalars(
        select(Referral)
        .where(
            Referral.status == "closed",
            Referral.retention_until.is_not(None),
            Referral.retention_until < today,
            Referral.referrer_name != ERASED,
        )
        .order_by(Referral.id)
    ).all()
    report = PurgeReport()
    candidates: set[int] = set()
    for referral in due:
        _erase_referral(referral, actor=actor, now=now)
        report.referrals.append(referral.id)
        candidates.add(referral.victim_id)
        if referral.perpetrator_id is not None:
            candidates.add(referral.perpetrator_id)
    for person_id in sorted(candidates):
        person = db.session.get(Person, person_id)
        if person is None or person.anonymised_at is not None or _still_referenced(person_id):
            continue
        _anonymise_person(person, actor=actor, now=now)
        report.persons.append(person_id)
    report.drafts = drafts.purge_stale(now)
    audit.record("lifecycle.purge", actor, details=report.as_dict(), now=now)
    return report
