"""Running one due action: the idempotent core every job calls.

`run_due_action` locks the row, returns early if the action is already done, dispatches by
kind (`due_action_kinds`), and marks it done with one audit event, all in the caller's one
transaction. A worker killed half-way rolls the whole thing back; the retry starts clean.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import DueAction, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.due_action_kinds import DISPATCH, MEETING_DISPATCH
from triage.settings import Settings


def _lock(due_action_id: int) -> DueAction | None:
    # FOR UPDATE on PostgreSQL; on SQLite the transaction began with BEGIN IMMEDIATE, which
    # already holds the database write lock (triage/database.py).
    return db.session.scalar(
        select(DueAction)
        .where(DueAction.id == due_action_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def run_due_action(due_action_id: int, *, now: datetime, actor: Actor, settings: Settings) -> dict:
    """Do one due action exactly once (caller commits). Safe to call twice or concurrently:
    the second caller waits for the row lock, sees `done` and returns the stored result.

    The result may hold `mail_ids`: outbox messages to hand to `mail.enqueue_delivery` after
    the commit."""
    action = _lock(due_action_id)
    if action is None:
        return {"outcome": "missing"}
    if action.status in ("done", "cancelled"):
        return {**(action.result or {}), "already": action.status}
    if now < action.due_at:
        # Never act early (a worker on a host whose clock runs ahead); the row stays open and
        # the sweeper re-schedules its job for the due time.
        return {"outcome": "not yet due", "due_at": action.due_at.isoformat()}
    referral = db.session.get(Referral, action.referral_id) if action.referral_id else None
    if action.kind in MEETING_DISPATCH:
        result = MEETING_DISPATCH[action.kind](action, now=now, actor=actor, settings=settings)
    elif referral is None:
        result = {"outcome": "referral no longer exists"}
    else:
        result = DISPATCH[action.kind](action, referral, now=now, actor=actor, settings=settings)
    action.status = "done"
    action.done_at = now
    action.last_error = None
    action.result = result
    audit.record(
        "due_action.run",
        actor,
        object_type="due_action",
        object_id=action.id,
        details={
            "kind": action.kind,
            "referral_id": action.referral_id,
            "due_at": action.due_at.isoformat(),
            "late_seconds": round((now - action.due_at).total_seconds(), 3),
            "result": result,
        },
        now=now,
    )
    return result


def record_failure(
    due_action_id: int, error: str, *, final: bool, now: datetime, actor: Actor
) -> None:
    """A job attempt raised: count it, and when RQ has no retries left mark the row failed
    (shown on the operations page, and /readyz goes red)."""
    action = _lock(due_action_id)
    if action is None or action.status in ("done", "cancelled"):
        return
    action.attempts += 1
    action.last_error = error[:2000]
    if final:
        action.status = "failed"
    audit.record(
        "due_action.failed" if final else "due_action.retry",
        actor,
        object_type="due_action",
        object_id=action.id,
        details={"kind": action.kind, "attempt": action.attempts, "error": error[:300]},
        now=now,
    )


def retry_failed(due_action_id: int, *, now: datetime, actor: Actor) -> bool:
    """An administrator asks for a failed action to be tried again (caller commits, then
    enqueues it)."""
    action = _lock(due_action_id)
    if action is None or action.status != "failed":
        return False
    action.status = "pending"
    audit.record(
        "due_action.retry_requested",
        actor,
        object_type="due_action",
        object_id=action.id,
        details={"kind": action.kind},
        now=now,
    )
    return True
