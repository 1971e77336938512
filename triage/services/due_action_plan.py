"""Planning a referral's deadlines: its offer due time and the due-action rows that carry it.

Deadlines are rows (docs/scheduling.md), written in the caller's transaction; the caller
hands the returned ids to `due_action_queue` after its commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import insert, select

from triage import marac_rules
from triage.extensions import db
from triage.models import DueAction, MaracListing, MaracMeeting, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.services.due_action_queue import QueuedAction
from triage.settings import Settings


def due_action_key(referral_id: int, kind: str, due_at: datetime) -> str:
    return f"{referral_id}:{kind}:{due_at.astimezone(UTC).isoformat()}"


def plan_for_referral(
    referral: Referral, *, now: datetime, actor: Actor, settings: Settings, new: bool = False
) -> list[int]:
    """Fix the referral's offer deadline and write its due actions (caller commits).

    Returns the due-action ids to enqueue after the commit. Planning the same referral again
    adds nothing: each action's key is unique. `new`: the referral was inserted in this
    transaction, so it can have no due actions yet (saves the look-up)."""
    return [row_id for row_id, _row in _plan(referral, now, actor, settings, new, False)]


def plan_new_referral(
    referral: Referral, *, now: datetime, actor: Actor, settings: Settings
) -> list[QueuedAction]:
    """`plan_for_referral(new=True)` for a caller that hands the rows to Redis straight after
    its commit: they are written `enqueued` (no UPDATE after the commit marks them), and come
    back with their keys and due times (no read before it). If Redis never gets them, the
    sweeper finds `enqueued` rows without a live job and schedules them again."""
    planned = _plan(referral, now, actor, settings, True, True)
    return [QueuedAction(row.id, row.key, row.due_at) for _id, row in planned if row]


def _plan(
    referral: Referral, now: datetime, actor: Actor, settings: Settings, new: bool, enqueued: bool
) -> list[tuple[int, DueAction | None]]:
    """(id, the row if written now) for each wanted action, in plan order."""
    if referral.offer_due_at is None:
        referral.offer_due_at = offer_due_at(referral.received_at, settings)
    if referral.id is None:
        db.session.flush()
    keyed = _wanted(referral, now=now, settings=settings)
    existing: dict[str, int] = {}
    if not new:
        found = db.session.execute(
            select(DueAction.key, DueAction.id).where(DueAction.key.in_(list(keyed)))
        )
        existing = {key: row_id for key, row_id in found}
    rows = [
        DueAction(
            kind=kind,
            referral_id=referral.id,
            due_at=due_at,
            key=key,
            status="enqueued" if enqueued else "pending",
            enqueued_at=now if enqueued else None,
            attempts=0,
            created_at=now,
        )
        for key, (kind, due_at) in keyed.items()
        if key not in existing
    ]
    db.session.add_all(rows)
    db.session.flush()  # one INSERT for all of them (RETURNING their ids)
    made = {row.key: row for row in rows}
    if rows:
        audit_plan(referral, rows, actor=actor, now=now)
    return [
        (existing[key], None) if key in existing else (made[key].id, made[key]) for key in keyed
    ]


def _wanted(referral: Referral, *, now: datetime, settings: Settings) -> dict:
    """{key: (kind, due at)} of the actions a referral's deadline needs."""
    offer_due = referral.offer_due_at
    wanted = [
        ("offer_reminder", max(offer_due - settings.offer_reminder_before, now)),
        ("offer_escalation", offer_due),
    ]
    if referral.marac:
        wanted.append(("marac_listing", now))
    return {due_action_key(referral.id, kind, due_at): (kind, due_at) for kind, due_at in wanted}


class Planned(NamedTuple):
    id: int
    kind: str
    due_at: datetime


def plan_for_new_referrals(
    referrals: list[Referral], *, now: datetime, settings: Settings
) -> list[list[Planned]]:
    """`plan_for_referral(new=True)` for many flushed referrals in one INSERT: each
    referral's due actions, for the caller to audit with `audit_plan` and hand to Redis
    after its commit (the bulk CSV import)."""
    wanted = [
        (referral, key, kind, due_at)
        for referral in referrals
        for key, (kind, due_at) in _wanted(referral, now=now, settings=settings).items()
    ]
    if not wanted:
        return [[] for _ in referrals]
    table = DueAction.__table__
    ids = db.session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True),
        [
            {"kind": kind, "referral_id": referral.id, "marac_meeting_id": None,
             "due_at": due_at, "key": key, "status": "pending", "attempts": 0,
             "created_at": now}
            for referral, key, kind, due_at in wanted
        ],
    ).all()  # fmt: skip
    by_referral: dict[int, list[Planned]] = {referral.id: [] for referral in referrals}
    for (referral, _key, kind, due_at), row_id in zip(wanted, ids, strict=True):
        by_referral[referral.id].append(Planned(row_id, kind, due_at))
    return [by_referral[referral.id] for referral in referrals]


def audit_plan(referral: Referral, rows: Sequence, *, actor: Actor, now: datetime) -> None:
    """The `due_action.plan` event `plan_for_referral` records for a new referral."""
    audit.record(
        "due_action.plan",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "offer_due_at": referral.offer_due_at.isoformat(),
            "actions": {row.kind: row.due_at.isoformat() for row in rows},
        },
        now=now,
    )


def offer_due_at(received_at: datetime, settings: Settings) -> datetime:
    """When the S2S offer falls due for a referral received at `received_at`."""
    return current_calendar(settings.calendar).offer_due(received_at)


def _write(
    key: str,
    kind: str,
    due_at: datetime,
    now: datetime,
    *,
    referral_id: int | None = None,
    meeting_id: int | None = None,
) -> tuple[int, bool]:
    """The id of the row with this key, and whether it was written just now."""
    existing = db.session.scalar(select(DueAction.id).where(DueAction.key == key))
    if existing is not None:
        return existing, False
    row = DueAction(
        kind=kind,
        referral_id=referral_id,
        marac_meeting_id=meeting_id,
        due_at=due_at,
        key=key,
        status="pending",
        attempts=0,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row.id, True


def plan_for_held_meeting(
    meeting: MaracMeeting,
    heard: list[MaracListing],
    *,
    now: datetime,
    actor: Actor,
    settings: Settings,
) -> list[int]:
    """The two follow-up deadlines of a held meeting, each a reminder and an escalation:
    minutes and actions to agencies (the meeting), and IDVA feedback (each heard case).
    Returns the ids to enqueue after the commit; planning again adds nothing."""
    calendar = current_calendar(settings.calendar)
    minutes = marac_rules.follow_up(
        meeting.starts_at, settings.marac.minutes_working_days, calendar
    )
    feedback = marac_rules.follow_up(
        meeting.starts_at, settings.marac.feedback_working_days, calendar
    )
    rows = [
        (f"m{meeting.id}:{kind}:{due_at.astimezone(UTC).isoformat()}", kind, due_at, None)
        for kind, due_at in (
            ("marac_minutes_reminder", max(minutes.remind_at, now)),
            ("marac_minutes_escalation", minutes.due_at),
        )
    ]
    for listing in heard:
        for kind, due_at in (
            ("marac_feedback_reminder", max(feedback.remind_at, now)),
            ("marac_feedback_escalation", feedback.due_at),
        ):
            key = due_action_key(listing.referral_id, kind, due_at)
            rows.append((key, kind, due_at, listing.referral_id))
    ids: list[int] = []
    created = 0
    for key, kind, due_at, referral_id in rows:
        row_id, new = _write(key, kind, due_at, now, referral_id=referral_id, meeting_id=meeting.id)
        ids.append(row_id)
        created += new
    if created:
        audit.record(
            "due_action.plan",
            actor,
            object_type="marac_meeting",
            object_id=meeting.id,
            details={
                "minutes_due_at": minutes.due_at.isoformat(),
                "feedback_due_at": feedback.due_at.isoformat(),
                "actions": created,
            },
            now=now,
        )
    return ids
