"""Due actions: deadlines as rows, with Redis timers as an optimisation on top.

- `plan_for_referral` writes a referral's due actions in the caller's transaction.
- `enqueue` (after commit) asks RQ to run them at their due time; it never raises, so a Redis
  outage leaves rows `pending` for the sweeper.
- `sweep` (every minute, from the cron process) enqueues pending rows, re-enqueues rows whose
  Redis job was lost, and records its heartbeat.
- `run_due_action` is the idempotent core every job calls: it locks the row, returns early if
  the action is already done, dispatches by kind, and marks it done with one audit event, all in
  one transaction. A worker killed half-way rolls the whole thing back; the retry starts clean.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Callback, Job
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from triage.extensions import db
from triage.models import DueAction, Offer, Referral
from triage.services import audit, mail, notifications, scheduler_health, system_state
from triage.services.actor import Actor
from triage.services.calendar import current_calendar

log = logging.getLogger(__name__)

QUEUE = "deadlines"
RUN_JOB = "workers.jobs.run_due_action"
FAILURE_CALLBACK = "workers.jobs.on_due_action_failure"
JOB_TIMEOUT = 120  # seconds; a listing or a notification takes well under one
RETRY_INTERVALS = [10, 30, 60]
# How often the sweeper re-enqueues an action whose job vanished before it marks it failed.
MAX_LOST_REQUEUES = 5
SWEEP_BATCH = 1000
SWEEPER_HEARTBEAT = "sweeper_heartbeat"
OPEN_STATUSES = ("pending", "enqueued")
_LIVE_JOB_STATUSES = {"queued", "scheduled", "started", "deferred"}


def due_action_key(referral_id: int, kind: str, due_at: datetime) -> str:
    return f"{referral_id}:{kind}:{due_at.astimezone(UTC).isoformat()}"


def job_id_for(key: str) -> str:
    """The RQ job id of a due action: derived from its unique key, so enqueueing twice is a
    no-op and two sweepers can never create two jobs for one action."""
    return "due-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


# --- planning -------------------------------------------------------------------------------


def plan_for_referral(referral: Referral, *, now: datetime, actor: Actor) -> list[int]:
    """Fix the referral's offer deadline and write its due actions (caller commits).

    Returns the due-action ids to pass to `enqueue` after the commit. Planning the same
    referral again adds nothing: each action's key is unique."""
    if referral.id is None:
        db.session.flush()
    calendar = current_calendar()
    if referral.offer_due_at is None:
        referral.offer_due_at = calendar.offer_due(referral.received_at)
    offer_due = referral.offer_due_at
    before = current_app.config["OFFER_REMINDER_BEFORE"]
    wanted = [
        ("offer_reminder", max(offer_due - before, now)),
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


# --- enqueueing -----------------------------------------------------------------------------


def _queue(connection) -> Queue:
    return Queue(QUEUE, connection=connection)


def _job_statuses(connection, job_ids: list[str]) -> list[str | None]:
    """Each job's RQ status (None when Redis has no such job), in one round trip."""
    with connection.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hget(Job.key_for(job_id), "status")
        return [None if s is None else s.decode() for s in pipe.execute()]


def _schedule_many(queue: Queue, rows, now: datetime, statuses=None) -> int:
    """Make sure each row (id, key, due_at) has a live RQ job: one pipelined round trip for
    the batch. A row whose job is already queued/scheduled/running is left alone; a
    finished/failed job of a row that is still open is replaced. Returns the jobs created."""
    job_ids = [job_id_for(row.key) for row in rows]
    if statuses is None:
        statuses = _job_statuses(queue.connection, job_ids)
    due_now = []
    with queue.connection.pipeline() as pipe:
        for row, job_id, status in zip(rows, job_ids, statuses, strict=True):
            if status in _LIVE_JOB_STATUSES:
                continue
            if status is not None:
                stale = Job.fetch_many([job_id], connection=queue.connection)[0]
                if stale is not None:
                    stale.delete()
            options = {
                "job_id": job_id,
                "retry": Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                "on_failure": Callback(FAILURE_CALLBACK),
                "result_ttl": 86400,
                "failure_ttl": 30 * 86400,
                "description": f"due action {row.id}",
            }
            if row.due_at <= now:
                due_now.append(
                    Queue.prepare_data(RUN_JOB, args=(row.id,), timeout=JOB_TIMEOUT, **options)
                )
            else:
                when = _whole_second_after(row.due_at)
                queue.enqueue_at(
                    when, RUN_JOB, row.id, job_timeout=JOB_TIMEOUT, pipeline=pipe, **options
                )
        pipe.execute()
    if due_now:
        queue.enqueue_many(due_now)  # its own pipeline: one round trip for the batch
    return sum(1 for status in statuses if status not in _LIVE_JOB_STATUSES)


def _whole_second_after(instant: datetime) -> datetime:
    """RQ's scheduled registry keeps whole seconds and truncates: round up instead, or a job
    due at 17:00:00.6 would run at 17:00:00, before its time."""
    if instant.microsecond:
        return instant.replace(microsecond=0) + timedelta(seconds=1)
    return instant


def enqueue(due_action_ids: Iterable[int], *, now: datetime | None = None) -> None:
    """After the commit: schedule RQ jobs for these due actions and mark them `enqueued`.

    Never raises. If Redis (or the database) fails, the rows stay `pending` and the sweeper
    enqueues them within a minute; the log says so without any personal data."""
    ids = list(due_action_ids)
    if not ids:
        return
    now = now or datetime.now(UTC)
    try:
        rows = db.session.execute(
            select(DueAction.id, DueAction.key, DueAction.due_at).where(
                DueAction.id.in_(ids), DueAction.status.in_(OPEN_STATUSES)
            )
        ).all()
        db.session.commit()  # end the read so no lock is held while Redis is called
        from triage.redis_conn import get_redis

        _schedule_many(_queue(get_redis()), rows, now)
        _mark_enqueued([row.id for row in rows], now)
        db.session.commit()
    except (RedisError, OSError, SQLAlchemyError) as exc:
        db.session.rollback()
        log.warning(
            "due actions %s not enqueued (%s); the sweeper will enqueue them",
            ids,
            type(exc).__name__,
        )


def _mark_enqueued(ids: list[int], now: datetime) -> None:
    if ids:
        db.session.execute(
            update(DueAction)
            .where(DueAction.id.in_(ids), DueAction.status == "pending")
            .values(status="enqueued", enqueued_at=now)
        )


# --- the sweeper ----------------------------------------------------------------------------


@dataclass
class SweepReport:
    started_at: datetime
    enqueued: int = 0  # pending rows handed to Redis
    requeued: int = 0  # enqueued rows whose Redis job had been lost
    failed: int = 0  # rows given up on after too many lost jobs
    checked: int = 0
    mail_enqueued: int = 0
    redis_error: str | None = None
    seconds: float = 0.0
    requeued_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat()
        data.pop("requeued_ids")
        return data


def _batches(status: str):
    """Keyset pagination over one status, in due order, using ix_due_actions_status_due."""
    last_due, last_id = None, 0
    while True:
        query = (
            select(DueAction.id, DueAction.key, DueAction.due_at, DueAction.attempts)
            .where(DueAction.status == status)
            .order_by(DueAction.due_at, DueAction.id)
            .limit(SWEEP_BATCH)
        )
        if last_due is not None:
            query = query.where(
                (DueAction.due_at > last_due)
                | ((DueAction.due_at == last_due) & (DueAction.id > last_id))
            )
        rows = db.session.execute(query).all()
        if not rows:
            return
        yield rows
        last_due, last_id = rows[-1].due_at, rows[-1].id


def sweep(now: datetime, *, actor: Actor | None = None) -> SweepReport:
    """Make every open due action have a live job; record the heartbeat (caller commits)."""
    actor = actor or Actor.job("sweep")
    report = SweepReport(started_at=now)
    clock = time.perf_counter()
    try:
        from triage.redis_conn import get_redis

        connection = get_redis()
        queue = _queue(connection)
        # Issue 12: a scheduled job the RQ scheduler missed is stuck, not alive (see module).
        scheduler_health.promote_overdue(connection, current_app.config["RQ_QUEUES"], now)
        for rows in _batches("pending"):
            report.checked += len(rows)
            _schedule_many(queue, rows, now)
            _mark_enqueued([row.id for row in rows], now)
            report.enqueued += len(rows)
        for rows in _batches("enqueued"):
            report.checked += len(rows)
            statuses = _job_statuses(connection, [job_id_for(row.key) for row in rows])
            lost = [
                (row, status)
                for row, status in zip(rows, statuses, strict=True)
                if status not in _LIVE_JOB_STATUSES
            ]
            if lost:
                _requeue_lost(queue, lost, now, actor, report)
        report.mail_enqueued = _sweep_mail()
    except (RedisError, OSError) as exc:
        report.redis_error = type(exc).__name__
        log.warning("sweeper could not reach Redis (%s)", report.redis_error)
    report.seconds = round(time.perf_counter() - clock, 3)
    system_state.put(SWEEPER_HEARTBEAT, report.as_dict(), now=now)
    if report.enqueued or report.requeued or report.failed or report.redis_error:
        audit.record("sweep.run", actor, object_type="sweeper", details=report.as_dict(), now=now)
    return report


def _requeue_lost(queue: Queue, lost, now: datetime, actor: Actor, report: SweepReport) -> None:
    """Rows still `enqueued` whose job Redis no longer has (flushed, failed over, expired):
    schedule them again at their due time, in one pipeline and one UPDATE per batch."""
    give_up = [row for row, _status in lost if row.attempts >= MAX_LOST_REQUEUES]
    for row in give_up:
        action = db.session.get(DueAction, row.id)
        action.status = "failed"
        action.last_error = f"job lost from Redis {row.attempts} times; given up"
        report.failed += 1
        audit.record(
            "due_action.failed",
            actor,
            object_type="due_action",
            object_id=action.id,
            details={"kind": action.kind, "error": action.last_error},
            now=now,
        )
    retry = [(row, status) for row, status in lost if row.attempts < MAX_LOST_REQUEUES]
    if not retry:
        return
    _schedule_many(queue, [row for row, _s in retry], now, [s for _row, s in retry])
    ids = [row.id for row, _s in retry]
    db.session.execute(
        update(DueAction)
        .where(DueAction.id.in_(ids), DueAction.status == "enqueued")
        .values(attempts=DueAction.attempts + 1, enqueued_at=now)
    )
    report.requeued += len(ids)
    report.requeued_ids.extend(ids)
    # One event per batch (up to SWEEP_BATCH ids): after a Redis loss every open action is
    # re-enqueued, and one event each would make the recovery itself slow.
    audit.record(
        "due_action.requeue",
        actor,
        object_type="due_action",
        details={"due_action_ids": ids, "reason": "job missing from Redis"},
        now=now,
    )


def _sweep_mail() -> int:
    if not mail.smtp_configured():
        return 0
    ids = mail.pending_ids()
    mail.enqueue_delivery(ids)
    return len(ids)


def last_sweep() -> dict | None:
    row = system_state.get(SWEEPER_HEARTBEAT)
    if row is None:
        return None
    return {**row.value, "updated_at": row.updated_at}


# --- running one action ---------------------------------------------------------------------


def _lock(due_action_id: int) -> DueAction | None:
    # FOR UPDATE on PostgreSQL; on SQLite the transaction began with BEGIN IMMEDIATE, which
    # already holds the database write lock (triage/database.py).
    return db.session.scalar(
        select(DueAction)
        .where(DueAction.id == due_action_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def run_due_action(due_action_id: int, *, now: datetime, actor: Actor) -> dict:
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
    if referral is None:
        result = {"outcome": "referral no longer exists"}
    else:
        result = DISPATCH[action.kind](action, referral, now=now, actor=actor)
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
    calls `enqueue`)."""
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


# --- what each kind does --------------------------------------------------------------------


def _local(instant: datetime) -> str:
    return current_calendar().to_local(instant).strftime("%H:%M on %a %d %b %Y")


def referral_link(referral_id: int) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return f"{base}{current_app.config['REFERRAL_PATH'].format(id=referral_id)}"


def _has_offer(referral: Referral) -> bool:
    return referral.status != "received" or bool(referral.offers)


def _offer_reminder(action: DueAction, referral: Referral, *, now: datetime, actor: Actor) -> dict:
    if referral.status == "closed":
        return {"outcome": "referral closed"}
    if _has_offer(referral):
        return {"outcome": "offer already made"}
    if referral.assigned_screener is not None and referral.assigned_screener.active:
        users = [referral.assigned_screener]
    else:
        users = notifications.users_with_role("screener")
    message = (
        f"Referral {referral.reference}: a support offer is due by {_local(referral.offer_due_at)}"
    )
    rows = notifications.notify(
        users, kind="offer_reminder", message=message, now=now, referral_id=referral.id
    )
    return {"outcome": "reminded", "notified": [row.user_id for row in rows]}


def _offer_escalation(
    action: DueAction, referral: Referral, *, now: datetime, actor: Actor
) -> dict:
    if referral.status == "closed":
        return {"outcome": "referral closed"}
    first_offer = db.session.scalar(
        select(Offer.made_at).where(Offer.referral_id == referral.id).order_by(Offer.made_at)
    )
    if first_offer is not None:
        on_time = first_offer <= referral.offer_due_at
        return {"outcome": "offer made on time" if on_time else "offer made late"}
    if referral.status != "received":
        return {"outcome": "offer already made"}
    leads = notifications.users_with_role("s2s_lead")
    fallback = not leads
    if fallback:
        # No S2S lead configured: an escalation nobody receives would be a lost deadline.
        leads = notifications.users_with_role("screener")
    message = (
        f"Referral {referral.reference} is overdue: no support offer was recorded by "
        f"{_local(referral.offer_due_at)}"
    )
    rows = notifications.notify(
        leads, kind="offer_escalation", message=message, now=now, referral_id=referral.id
    )
    link = referral_link(referral.id)
    mail_ids = [
        mail.queue_message(
            to_address=lead.email,
            subject=f"Referral {referral.reference} is overdue",
            body=(
                f"Referral {referral.reference} has no support offer recorded by its due time.\n"
                f"\nOpen it (sign-in required): {link}\n"
            ),
            kind="offer_escalation",
            now=now,
            referral_id=referral.id,
        ).id
        for lead in leads
    ]
    return {
        "outcome": "escalated to screeners (no S2S lead)" if fallback else "escalated",
        "notified": [r.user_id for r in rows],
        "mail_ids": mail_ids,
    }


def _marac_listing(action: DueAction, referral: Referral, *, now: datetime, actor: Actor) -> dict:
    from triage.services import marac

    try:
        listing = marac.list_referral(referral.id, now=now, actor=actor)
    except marac.NotEligible:
        # Re-assessed since it was planned: nothing to list, and nothing to retry.
        return {"outcome": "no longer eligible"}
    return {"outcome": "listed", "listing_id": listing.id, "meeting_id": listing.meeting_id}


DISPATCH = {
    "offer_reminder": _offer_reminder,
    "offer_escalation": _offer_escalation,
    "marac_listing": _marac_listing,
}
