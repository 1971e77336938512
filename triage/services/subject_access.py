"""Subject-access export: everything held about one person, with what belongs to third
parties marked for redaction. Audited (metadata only) in the caller's transaction.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
from triage.services import audit
from triage.services.actor import Actor
from triage.services.lifecycle import LifecycleError


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
        "ethnicity": details.ethnicity,
        "sexual_orientation": details.sexual_orientation,
        "trans": details.trans,
        "disability": details.disability,
        "phone": details.phone,
        "safe_to_call": details.safe_to_call,
        "safe_to_leave_message": details.safe_to_leave_message,
        "safe_to_write": details.safe_to_write,
        "safe_times": details.safe_times,
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
