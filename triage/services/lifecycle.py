"""Data lifecycle: closing a referral starts its retention period; past it, the purge erases
free text and contact details and anonymises people no longer in a live referral; a
subject-access export gathers everything held about one person.

Every step is audited with metadata only, in the caller's transaction; the caller commits.
The numbers (score, risk level, MARAC and MCIC flags, the Dash answers as codes, dates)
are kept after the purge, so the timeliness and SafeLives figures stay reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import or_, select

from triage.extensions import db
from triage.models import (
    AuditEvent,
    MaracAction,
    MaracListing,
    Offer,
    Person,
    PersonDetails,
    Referral,
)
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


def _retention_years(years: int | None) -> int:
    return int(current_app.config["RETENTION_YEARS_AFTER_CLOSURE"] if years is None else years)


def close_referral(
    referral_id: int, *, reason: str, actor: Actor, now: datetime, years: int | None = None
) -> Referral:
    """Close a referral and set its retention date; audited `referral.close` with the reason."""
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
    referral.retention_until = retention_until(now, _retention_years(years))
    db.session.flush()
    audit.record(
        "referral.close",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "changes": audit.diff(before, _lifecycle_fields(referral)),
        },
        reason=reason,
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


# --------------------------------------------------------------------------- subject access


def _third_party(value: Any, why: str = "third party") -> dict[str, Any]:
    return {"redact": True, "reason": why, "value": value}


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person_fields(person: Person) -> dict[str, Any]:
    """The shared record: only what matching uses (each referral has its own details)."""
    return {
        "id": person.id,
        "date_of_birth": _iso(person.date_of_birth),
        "created_at": _iso(person.created_at),
        "anonymised_at": _iso(person.anonymised_at),
    }


def _details_fields(details: PersonDetails | None) -> dict[str, Any] | None:
    """What one referral recorded about one of its people, with when it was recorded."""
    if details is None:
        return None
    return {
        "first_name": details.first_name,
        "last_name": details.last_name,
        "date_of_birth": _iso(details.date_of_birth),
        "postcode": details.postcode,
        "address": details.address,
        "gender": details.gender,
        "racially_minoritised": details.racially_minoritised,
        "lgbt": details.lgbt,
        "disabled": details.disabled,
        "recorded_at": _iso(details.recorded_at),
        "erased_at": _iso(details.erased_at),
    }


def _referral_for(referral: Referral, role: str) -> dict[str, Any]:
    other_role = "perpetrator" if role == "victim" else "victim"
    other = referral.details_for(other_role)
    # The victim's account is about the perpetrator as much as the victim: when exporting
    # for a perpetrator it is the victim's (third-party) data and must be reviewed.
    narrative_owner = role == "victim"
    referrer = {
        "name": referral.referrer_name,
        "contact": referral.referrer_contact,
        "user_id": referral.referrer_id,
    }
    return {
        "reference": referral.reference,
        "role": role,
        "source_agency": referral.source_agency,
        "received_at": _iso(referral.received_at),
        "referrer": _third_party(referrer, "third party: the referrer's identity"),
        "police_reference": referral.police_reference,
        "recorded_about_you": _details_fields(referral.details_for(role)),
        other_role: _third_party(_details_fields(other), f"third party: the {other_role}"),
        "children_in_household": referral.children_in_household,
        "answers": referral.answers,
        "answer_details": referral.answer_details
        if narrative_owner
        else _third_party(referral.answer_details, "third party: the victim's account"),
        "detail": referral.detail
        if narrative_owner
        else _third_party(referral.detail, "third party: the victim's account"),
        "dash_completed_by": _third_party(referral.dash_completed_by, "third party: staff"),
        "dash_completed_on": _iso(referral.dash_completed_on),
        "consent_basis": referral.consent_basis,
        "ruleset_version": referral.ruleset_version,
        "score": referral.score,
        "risk_level": referral.risk_level,
        "marac": referral.marac,
        "mcic": referral.mcic,
        "status": referral.status,
        "offer_due_at": _iso(referral.offer_due_at),
        "closed_at": _iso(referral.closed_at),
        "retention_until": _iso(referral.retention_until),
        "offers": [_offer_for(offer, narrative_owner) for offer in referral.offers],
        "marac_listings": [
            {
                "meeting_id": listing.meeting_id,
                "status": listing.status,
                "criteria": listing.criteria,
                "is_repeat": listing.is_repeat,
                "listed_at": _iso(listing.listed_at),
                "heard_at": _iso(listing.heard_at),
                "move_reason": listing.move_reason,
                "actions": [
                    {
                        "agency": action.agency,
                        "description": action.description
                        if narrative_owner
                        else _third_party(action.description, "third party: the victim's safety"),
                        "due_on": _iso(action.due_on),
                        "status": action.status,
                        "status_note": action.status_note
                        if narrative_owner
                        else _third_party(action.status_note, "third party: the victim's safety"),
                    }
                    for action in db.session.scalars(
                        select(MaracAction)
                        .where(MaracAction.listing_id == listing.id)
                        .order_by(MaracAction.id)
                    )
                ],
            }
            for listing in db.session.scalars(
                select(MaracListing)
                .where(MaracListing.referral_id == referral.id)
                .order_by(MaracListing.listed_at)
            )
        ],
    }


def _offer_for(offer: Offer, narrative_owner: bool) -> dict[str, Any]:
    notes = offer.notes if narrative_owner else _third_party(offer.notes, "third party")
    return {
        "made_at": _iso(offer.made_at),
        "method": offer.method,
        "outcome": offer.outcome,
        "notes": notes,
        "late_reason": offer.late_reason,
    }


def _events_about(person_id: int, referral_ids: list[int]) -> list[dict[str, Any]]:
    conditions = [(AuditEvent.object_type == "person") & (AuditEvent.object_id == str(person_id))]
    if referral_ids:
        conditions.append(
            (AuditEvent.object_type == "referral")
            & AuditEvent.object_id.in_([str(i) for i in referral_ids])
        )
    events = db.session.scalars(select(AuditEvent).where(or_(*conditions)).order_by(AuditEvent.seq))
    return [
        {
            "seq": event.seq,
            "occurred_at": _iso(event.occurred_at),
            "actor_type": event.actor_type,
            "actor_id": event.actor_id,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "details": event.details,
        }
        for event in events
    ]


def export_person(person_id: int, *, actor: Actor, now: datetime) -> dict[str, Any]:
    """Everything held about one person, third-party data wrapped for redaction.

    Audited `person.export` (in the caller's transaction: commit after writing the file).
    """
    person = db.session.get(Person, person_id)
    if person is None:
        raise LifecycleError("No such person")
    referrals = db.session.scalars(
        select(Referral)
        .where(or_(Referral.victim_id == person_id, Referral.perpetrator_id == person_id))
        .order_by(Referral.received_at, Referral.id)
    ).all()
    entries = [
        _referral_for(r, "victim" if r.victim_id == person_id else "perpetrator") for r in referrals
    ]
    events = _events_about(person_id, [r.id for r in referrals])
    audit.record(
        "person.export",
        actor,
        object_type="person",
        object_id=person_id,
        details={"referrals": [r.reference for r in referrals], "kind": "subject_access"},
        now=now,
    )
    return {
        "export": "subject access",
        "generated_at": _iso(now),
        "redaction_note": (
            "Values wrapped as {redact: true} are about someone else (the other party, the "
            "referrer, staff): review and redact them before disclosure."
        ),
        "person": _person_fields(person),
        "referrals": entries,
        "audit_events": events,
    }
