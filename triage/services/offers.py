"""Recording an S2S contact with the victim: an **attempt** (no contact made, unsafe to
contact) or an **offer** that reached the victim (accepted or declined).

Only an offer takes the case off the morning list and stops the reminder and escalation; an
attempt is recorded, counted and shown. The due time never moves: an offer made after it must
say why it was late, from the fixed list (DOMAIN.md); an attempt after it needs no reason.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, exists, literal, or_, select, update

from triage.extensions import db
from triage.models import Notification, Offer, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.workdays import WorkingCalendar

METHODS: dict[str, str] = {
    "phone": "Telephone",
    "in_person": "In person",
    "letter": "Letter",
    "email": "E-mail",
    "via_professional": "Through a professional",
}
# Outcomes that reached the victim: the support offer was made (and accepted or declined).
OFFER_OUTCOMES: dict[str, str] = {
    "accepted": "Offer made: accepted",
    "declined": "Offer made: declined",
}
# Outcomes that did not reach the victim: an attempt, the case stays on the morning list.
ATTEMPT_OUTCOMES: dict[str, str] = {
    "no_contact": "Attempt: no contact made",
    "unsafe_to_contact": "Attempt: unsafe to contact",
}
OUTCOMES: dict[str, str] = {**OFFER_OUTCOMES, **ATTEMPT_OUTCOMES}
REACHED_OUTCOMES: frozenset[str] = frozenset(OFFER_OUTCOMES)
LATE_REASONS: dict[str, str] = {
    "not_contactable": "Victim not contactable after several attempts",
    "unsafe_to_contact": "Unsafe to contact",
    "referral_incomplete": "Referral incomplete",
    "other": "Other",
}
# Notifications an offer makes obsolete: they are marked done when it is recorded.
CLEARED_BY_OFFER = ("offer_reminder", "offer_escalation")
MAX_NOTES = 2000
MAX_DETAIL = 500


class OfferError(ValueError):
    """Invalid contact details. `.errors` maps each form field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def is_offer(outcome: str) -> bool:
    """Did this contact reach the victim (an offer), rather than being an attempt?"""
    return outcome in REACHED_OUTCOMES


def reached_victim(referral: Referral) -> bool:
    """Has an offer reached the victim (the case is off the morning list)?"""
    return referral.status == "offer_made" or any(is_offer(o.outcome) for o in referral.offers)


def _offer_recorded(referral: Referral) -> bool:
    """Asked of the database, not the (possibly stale) `referral.offers` collection."""
    reached = exists().where(Offer.referral_id == referral.id, Offer.outcome.in_(REACHED_OUTCOMES))
    return referral.status == "offer_made" or bool(db.session.scalar(select(reached)))


def is_late(made_at: datetime, referral: Referral) -> bool:
    return referral.offer_due_at is not None and made_at > referral.offer_due_at


def is_on_time(offer: Offer, referral: Referral) -> bool:
    """At or before the due time counts as on time (the instant itself included)."""
    return not is_late(offer.made_at, referral)


# -- Reports (issue 10): each offer's working hours, stored when it is recorded ------------
def _working_hours(referral: Referral, made_at: datetime, calendar: WorkingCalendar) -> float:
    """Working hours from receipt to `made_at` under the calendar in force now, so that a
    later calendar change does not silently rewrite the reports (`recompute` may)."""
    return calendar.working_hours_between(referral.received_at, max(made_at, referral.received_at))


def _summarise(referral: Referral, offer: Offer) -> None:
    """Keep the referral's contact summary (what the reports read instead of searching the
    offers) in this contact's transaction. One conditional UPDATE, not read-then-write, so
    two contacts recorded at once cannot lose each other. A contact dated earlier than the
    stored first becomes the first; on a tie the older row (lower id) stays first."""
    r, made_at = Referral, offer.made_at
    values = {
        r.first_contact_at: _if_before(r.first_contact_at, made_at, made_at, r.first_contact_at)
    }
    if is_offer(offer.outcome):
        # Every right-hand side reads the row as it was before this UPDATE (SQL semantics).
        for column, value in (
            (r.first_offer_at, made_at),
            (r.first_offer_hours, offer.working_hours),
            (r.first_offer_late_reason, offer.late_reason),
        ):
            values[column] = _if_before(r.first_offer_at, made_at, value, column)
    db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(values)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(referral, [column.key for column in values])


def _if_before(first_at, made_at: datetime, value, column):
    """`value` (bound as `column`'s type: UTC on SQLite too) if `made_at` comes before the
    stored `first_at` or there is none, else `column` keeps its own value."""
    earlier = or_(first_at.is_(None), first_at > made_at)
    return case((earlier, literal(value, column.type)), else_=column)


# ------------------------------------------------------------------------------------------


def check_contact(
    referral: Referral,
    *,
    made_at: datetime | None,
    method: str | None,
    outcome: str | None,
    notes: str | None,
    late_reason: str | None,
    detail: str | None,
    now: datetime,
) -> tuple[dict[str, str], bool]:
    """Every problem with the contact (by field), and whether it is a late offer.

    Public so that the API can report these with its own shape errors in one answer."""
    errors: dict[str, str] = {}
    if made_at is None:
        errors["made_at"] = "Enter the date and time of the contact"
    elif made_at > now:
        errors["made_at"] = "The time of the contact must be in the past"
    elif made_at < referral.received_at.replace(second=0, microsecond=0):
        # To the minute, as the form takes it: a call made in the minute the referral
        # arrived is not "before" it.
        errors["made_at"] = "The contact cannot be before the referral was received"
    if method not in METHODS:
        errors["method"] = "Select how the contact was made"
    if outcome not in OUTCOMES:
        errors["outcome"] = "Select the outcome of the contact"
    if notes and len(notes) > MAX_NOTES:
        errors["notes"] = f"Notes must be {MAX_NOTES} characters or fewer"
    timed = made_at is not None and "made_at" not in errors
    late = timed and outcome in REACHED_OUTCOMES and is_late(made_at, referral)
    if late:
        if late_reason not in LATE_REASONS:
            errors["late_reason"] = "The offer is late: select the reason it was late"
        elif late_reason == "other" and not detail:
            errors["late_reason_detail"] = "Give the reason the offer was late"
        if detail and len(detail) > MAX_DETAIL:
            errors["late_reason_detail"] = f"The reason must be {MAX_DETAIL} characters or fewer"
    return errors, bool(late)


def record_contact(
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
    calendar: WorkingCalendar,
) -> Offer:
    """Validate and store an attempt or an offer; every problem is reported at once."""
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise OfferError({"referral": "That referral does not exist"})
    if referral.status == "closed":
        raise OfferError({"referral": "This referral is closed: a contact cannot be recorded"})
    notes = (notes or "").strip() or None
    detail = (late_reason_detail or "").strip() or None
    errors, late = check_contact(
        referral,
        made_at=made_at,
        method=method,
        outcome=outcome,
        notes=notes,
        late_reason=late_reason,
        detail=detail,
        now=now,
    )
    if errors:
        raise OfferError(errors)
    assert made_at is not None and method is not None and outcome is not None
    reached = is_offer(outcome)
    first = reached and not _offer_recorded(referral)
    offer = Offer(
        referral_id=referral.id,
        made_at=made_at,
        made_by_id=actor.user_id,
        method=method,
        outcome=outcome,
        notes=notes,
        # Only a late offer carries a reason: anything else the form sent is dropped.
        late_reason=late_reason if late else None,
        late_reason_detail=detail if late else None,
        created_at=now,
        working_hours=_working_hours(referral, made_at, calendar),
    )
    db.session.add(offer)
    if first and referral.status == "received":
        referral.status = "offer_made"
    if late:
        referral.late_reason = late_reason
    db.session.flush()
    _summarise(referral, offer)
    if reached:
        _clear_offer_notices(referral.id, now=now)
    audit.record(
        "offer.record" if reached else "contact.attempt",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "offer_id": offer.id,
            "made_at": made_at.isoformat(),
            "due_at": referral.offer_due_at.isoformat() if referral.offer_due_at else None,
            "on_time": not is_late(made_at, referral),
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


def _clear_offer_notices(referral_id: int, *, now: datetime) -> None:
    """Mark the reminders and overdue notices for this case done: an offer has reached the
    victim, so they no longer ask anyone to act."""
    db.session.execute(
        update(Notification)
        .where(
            Notification.referral_id == referral_id,
            Notification.kind.in_(CLEARED_BY_OFFER),
            Notification.read_at.is_(None),
        )
        .values(read_at=now)
        .execution_options(synchronize_session=False)
    )


def attempt_count(referral: Referral) -> int:
    """Attempts recorded on the case (shown as "attempted N times")."""
    return sum(1 for o in referral.offers if not is_offer(o.outcome))
