"""Planning a referral's deadlines: its offer due time and the due-action rows that carry it.

Deadlines are rows (docs/scheduling.md), written in the caller's transaction; the caller
hands the returned ids to `due_action_queue` after its commit.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import DueAction, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.settings import Settings


def due_action_key(referral_id: int, kind: str, due_at: datetime) -> str:
    return f"{referral_id}:{kind}:{due_at.astimezone(UTC).isoformat()}"


def plan_for_referral(
    referral: Referral, *, now: datetime, actor: Actor, settings: Settings
) -> list[int]:
    """Fix the referral's offer deadline and write its due actions (caller commits).

    Returns the due-action ids to enqueue after the commit. Planning the same referral again
    adds nothing: each action's key is unique."""
    if referral.id is None:
        db.session.flush()
    if referral.offer_due_at is None:
        referral.offer_due_at = current_calendar(settings.calendar).offer_due(referral.received_at)
    offer_due = referral.offer_due_at
    wanted = [
        ("offer_reminder", max(offer_due - settings.offer_reminder_before, now)),
        ("offer_escalation", offer_due),
    ]
    if referral.marac:
        wanted.append(("marac_listing", now))
    ids: list[int] = []
    planned: dict[str, str] = {}
    for kind, due_at in wanted:
        key = due_action_key(referral.id, kind, due_at)
        existing = db.session.scalar(select(DueAction.id).where(DueAction.key == key))
        if existing is not None:
            ids.append(existing)
            continue
        row = DueAction(
            kind=kind,
            referral_id=referral.id,
            due_at=due_at,
            key=key,
            status="pending",
            attempts=0,
            created_at=now,
        )
        db.session.add(row)
        db.session.flush()
        ids.append(row.id)
        planned[kind] = due_at.isoformat()
    if planned:
        audit.record(
            "due_action.plan",
            actor,
            object_type="referral",
            object_id=referral.id,
            details={"offer_due_at": offer_due.isoformat(), "actions": planned},
            now=now,
        )
    return ids
