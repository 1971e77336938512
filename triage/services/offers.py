"""Recording an S2S support offer. On time when made at or before the referral's due time;
the due time never moves, but a late offer must say why it was late (DOMAIN.md)."""

from __future__ import annotations

from datetime import datetime

from triage.extensions import db
from triage.models import Offer, Referral
from triage.services import audit
from triage.services.actor import Actor

METHODS: dict[str, str] = {
    "phone": "Telephone",
    "in_person": "In person",
    "letter": "Letter",
    "email": "E-mail",
    "via_professional": "Through a professional",
}
OUTCOMES: dict[str, str] = {
    "accepted": "Accepted",
    "declined": "Declined",
    "no_contact": "No contact made",
    "unsafe_to_contact": "Unsafe to contact",
}
LATE_REASONS: dict[str, str] = {
    "not_contactable": "Victim not contactable after several attempts",
    "unsafe_to_contact": "Unsafe to contact",
    "referral_incomplete": "Referral incomplete",
    "other": "Other",
}
MAX_NOTES = 2000
MAX_DETAIL = 500


class OfferError(ValueError):
    """Invalid offer details. `.errors` maps each form field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def is_late(made_at: datetime, referral: Referral) -> bool:
    return referral.offer_due_at is not None and made_at > referral.offer_due_at


def is_on_time(offer: Offer, referral: Referral) -> bool:
    """At or before the due time counts as on time (the instant itself included)."""
    return not is_late(offer.made_at, referral)


def record_offer(
    referral_id: int,
    *,
    made_at: datetime | None,
    method: str | None,
    outcome: str | None,
    notes: str | None,
    late_reason: str | None,
    actor: Actor,
    now: datetime,
    late_reason_detail: str | None = None,
) -> Offer:
    """Validate and store an offer; every problem is reported at once in an OfferError."""
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise OfferError({"referral": "That referral does not exist"})
    if referral.status == "closed":
        raise OfferError({"referral": "This referral is closed: an offer cannot be recorded"})
    errors: dict[str, str] = {}
    if made_at is None:
        errors["made_at"] = "Enter the date and time the offer was made"
    elif made_at > now:
        errors["made_at"] = "The time the offer was made must be in the past"
    elif made_at < referral.received_at:
        errors["made_at"] = "The offer cannot be made before the referral was received"
    if method not in METHODS:
        errors["method"] = "Select how the offer was made"
    if outcome not in OUTCOMES:
        errors["outcome"] = "Select the outcome of the offer"
    notes = (notes or "").strip() or None
    if notes and len(notes) > MAX_NOTES:
        errors["notes"] = f"Notes must be {MAX_NOTES} characters or fewer"
    detail = (late_reason_detail or "").strip() or None
    late = made_at is not None and "made_at" not in errors and is_late(made_at, referral)
    if late:
        if late_reason not in LATE_REASONS:
            errors["late_reason"] = "The offer is late: select the reason it was late"
        elif late_reason == "other" and not detail:
            errors["late_reason_detail"] = "Give the reason the offer was late"
        if detail and len(detail) > MAX_DETAIL:
            errors["late_reason_detail"] = f"The reason must be {MAX_DETAIL} characters or fewer"
    if errors:
        raise OfferError(errors)
    assert made_at is not None and method is not None and outcome is not None

    offer = Offer(
        referral_id=referral.id,
        made_at=made_at,
        made_by_id=actor.user_id,
        method=method,
        outcome=outcome,
        notes=notes,
        # An on-time offer needs no reason: anything the form sent is dropped, not stored.
        late_reason=late_reason if late else None,
        late_reason_detail=detail if late else None,
        created_at=now,
    )
    db.session.add(offer)
    first = referral.status == "received"
    if first:
        referral.status = "offer_made"
    if late:
        referral.late_reason = late_reason
    db.session.flush()
    audit.record(
        "offer.record",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "offer_id": offer.id,
            "made_at": made_at.isoformat(),
            "due_at": referral.offer_due_at.isoformat() if referral.offer_due_at else None,
            "on_time": not late,
            "method": method,
            "outcome": outcome,
            "late_reason": offer.late_reason,
            "first_offer": first,
            # G16: the explanation stays on the offer row (the purge erases it), not here.
            "reason_given": offer.late_reason_detail is not None,
        },
        reason=offer.late_reason,
        now=now,
    )
    return offer
