"""Read side of the audit trail: the events about one referral and the people in it. Reading
them is itself an audited event, recorded here with the read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select

from triage.extensions import db
from triage.models import AuditEvent, DueAction, MaracListing, Offer, Referral, User
from triage.services import audit
from triage.services.actor import Actor

HISTORY_LIMIT = 2000


@dataclass(frozen=True)
class HistoryRow:
    event: AuditEvent
    actor_label: str


@dataclass(frozen=True)
class ReferralHistory:
    referral_id: int
    reference: str
    events: list[HistoryRow]
    truncated: bool


def referral_exists(referral_id: int | None) -> bool:
    return referral_id is not None and db.session.get(Referral, referral_id) is not None


def _objects_of(referral: Referral) -> dict[str, list[int]]:
    def ids(query) -> list[int]:
        return list(db.session.scalars(query))

    people = [referral.victim_id] + ([referral.perpetrator_id] if referral.perpetrator_id else [])
    return {
        "referral": [referral.id],
        "person": people,
        "offer": ids(select(Offer.id).where(Offer.referral_id == referral.id)),
        "marac_listing": ids(
            select(MaracListing.id).where(MaracListing.referral_id == referral.id)
        ),
        "due_action": ids(select(DueAction.id).where(DueAction.referral_id == referral.id)),
    }


def _actor_labels(events: list[AuditEvent]) -> dict[str, str]:
    user_ids = {
        int(e.actor_id)
        for e in events
        if e.actor_type in ("user", "api") and e.actor_id and e.actor_id.isdigit()
    }
    if not user_ids:
        return {}
    users = db.session.execute(select(User.id, User.name, User.email).where(User.id.in_(user_ids)))
    return {str(row.id): f"{row.name} ({row.email})" for row in users}


def referral_history(referral: Referral, actor: Actor, *, now: datetime) -> ReferralHistory:
    """Events about the referral, its people, offers, listings and due actions, oldest first;
    records that `actor` viewed them (how many, under which reference)."""
    history = _history_of(referral)
    audit.record(
        "audit.view",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={"reference": history.reference, "events": len(history.events)},
        now=now,
    )
    return history


def _history_of(referral: Referral) -> ReferralHistory:
    conditions = [
        and_(AuditEvent.object_type == kind, AuditEvent.object_id.in_([str(i) for i in ids]))
        for kind, ids in _objects_of(referral).items()
        if ids
    ]
    events = list(
        db.session.scalars(
            select(AuditEvent)
            .where(or_(*conditions))
            .order_by(AuditEvent.seq)
            .limit(HISTORY_LIMIT + 1)
        )
    )
    labels = _actor_labels(events)
    rows = [
        HistoryRow(
            event,
            labels.get(event.actor_id or "", "")
            or f"{event.actor_type} {event.actor_id or ''}".strip(),
        )
        for event in events[:HISTORY_LIMIT]
    ]
    return ReferralHistory(referral.id, referral.reference, rows, len(events) > HISTORY_LIMIT)
