"""The sweeper (every minute, from the cron process): every open due action gets a live RQ
job. It enqueues pending rows, re-enqueues rows whose Redis job was lost, hands pending
e-mail to the mail queue, and records its heartbeat. The caller (the job boundary) commits.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import select, update

from triage.extensions import db
from triage.models import DueAction
from triage.services import audit, mail, scheduler_health, system_state
from triage.services.actor import Actor
from triage.services.due_action_queue import (
    LIVE_JOB_STATUSES,
    job_id_for,
    job_statuses,
    mark_enqueued,
    queue,
    schedule_many,
)
from triage.settings import Settings

log = logging.getLogger(__name__)

# How often the sweeper re-enqueues an action whose job vanished before it marks it failed.
MAX_LOST_REQUEUES = 5
SWEEP_BATCH = 1000
SWEEPER_HEARTBEAT = "sweeper_heartbeat"


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


def sweep(now: datetime, *, settings: Settings, actor: Actor | None = None) -> SweepReport:
    """Make every open due action have a live job; record the heartbeat (caller commits)."""
    actor = actor or Actor.job("sweep")
    report = SweepReport(started_at=now)
    clock = time.perf_counter()
    try:
        from triage.redis_conn import get_redis

        connection = get_redis()
        rq_queue = queue(connection)
        # Issue 12: a scheduled job the RQ scheduler missed is stuck, not alive.
        scheduler_health.promote_overdue(connection, settings.rq_queues, now)
        for rows in _batches("pending"):
            report.checked += len(rows)
            schedule_many(rq_queue, rows, now)
            mark_enqueued([row.id for row in rows], now)
            report.enqueued += len(rows)
        for rows in _batches("enqueued"):
            report.checked += len(rows)
            statuses = job_statuses(connection, [job_id_for(row.key) for row in rows])
            lost = [
                (row, status)
                for row, status in zip(rows, statuses, strict=True)
                if status not in LIVE_JOB_STATUSES
            ]
            if lost:
                _requeue_lost(rq_queue, lost, now, actor, report)
        report.mail_enqueued = _sweep_mail(settings)
    except (RedisError, OSError) as exc:
        report.redis_error = type(exc).__name__
        log.warning("sweeper could not reach Redis (%s)", report.redis_error)
    report.seconds = round(time.perf_counter() - clock, 3)
    system_state.put(SWEEPER_HEARTBEAT, report.as_dict(), now=now)
    if report.enqueued or report.requeued or report.failed or report.redis_error:
        audit.record("sweep.run", actor, object_type="sweeper", details=report.as_dict(), now=now)
    return report


def _requeue_lost(rq_queue: Queue, lost, now: datetime, actor: Actor, report: SweepReport) -> None:
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
    schedule_many(rq_queue, [row for row, _s in retry], now, [s for _row, s in retry])
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


def _sweep_mail(settings: Settings) -> int:
    if not settings.smtp_configured:
        return 0
    ids = mail.pending_ids()
    mail.enqueue_delivery(ids, settings=settings)
    return len(ids)


def last_sweep() -> dict | None:
    row = system_state.get(SWEEPER_HEARTBEAT)
    if row is None:
        return None
    return {**row.value, "updated_at": row.updated_at}
