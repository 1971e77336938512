"""Redis timers for due actions (RQ plumbing): job ids, the queue, scheduling jobs.

The rows are the record; a job is only the timer that runs one at its due time. `enqueue`
runs after the caller's commit (an after-commit step) and never raises for Redis: a Redis
outage leaves rows `pending` for the sweeper. It reads nothing from the database before it
calls Redis (the caller passes the rows' keys and due times, read with `queued` inside its own
transaction), so no database write lock is held while Redis answers; it then marks the rows
`enqueued`, and the caller's boundary commits that.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Callback, Job
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from triage.extensions import db
from triage.models import DueAction

log = logging.getLogger(__name__)

QUEUE = "deadlines"
RUN_JOB = "workers.jobs.run_due_action"
FAILURE_CALLBACK = "workers.jobs.on_due_action_failure"
JOB_TIMEOUT = 120  # seconds; a listing or a notification takes well under one
RETRY_INTERVALS = [10, 30, 60]
OPEN_STATUSES = ("pending", "enqueued")
LIVE_JOB_STATUSES = {"queued", "scheduled", "started", "deferred"}


class QueuedAction(NamedTuple):
    """What Redis needs to know of a due-action row."""

    id: int
    key: str
    due_at: datetime


def job_id_for(key: str) -> str:
    """The RQ job id of a due action: derived from its unique key, so enqueueing twice is a
    no-op and two sweepers can never create two jobs for one action."""
    return "due-" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def queue(connection) -> Queue:
    return Queue(QUEUE, connection=connection)


def queued(due_action_ids: Iterable[int]) -> list[QueuedAction]:
    """The open rows among these ids, as `enqueue` takes them (read in the caller's
    transaction, before its commit)."""
    ids = list(due_action_ids)
    if not ids:
        return []
    rows = db.session.execute(
        select(DueAction.id, DueAction.key, DueAction.due_at).where(
            DueAction.id.in_(ids), DueAction.status.in_(OPEN_STATUSES)
        )
    ).all()
    return [QueuedAction(row.id, row.key, row.due_at) for row in rows]


def job_statuses(connection, job_ids: list[str]) -> list[str | None]:
    """Each job's RQ status (None when Redis has no such job), in one round trip."""
    with connection.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hget(Job.key_for(job_id), "status")
        return [None if s is None else s.decode() for s in pipe.execute()]


def schedule_many(rq_queue: Queue, rows, now: datetime, statuses=None) -> int:
    """Make sure each row (id, key, due_at) has a live RQ job: one pipelined round trip for
    the batch. A row whose job is already queued/scheduled/running is left alone; a
    finished/failed job of a row that is still open is replaced. Returns the jobs created."""
    job_ids = [job_id_for(row.key) for row in rows]
    if statuses is None:
        statuses = job_statuses(rq_queue.connection, job_ids)
    due_now = []
    with rq_queue.connection.pipeline() as pipe:
        for row, job_id, status in zip(rows, job_ids, statuses, strict=True):
            if status in LIVE_JOB_STATUSES:
                continue
            if status is not None:
                stale = Job.fetch_many([job_id], connection=rq_queue.connection)[0]
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
                rq_queue.enqueue_at(
                    when, RUN_JOB, row.id, job_timeout=JOB_TIMEOUT, pipeline=pipe, **options
                )
        if due_now:
            rq_queue.enqueue_many(due_now, pipeline=pipe)
        pipe.execute()  # the scheduled and the due-now jobs: one round trip for the batch
    return sum(1 for status in statuses if status not in LIVE_JOB_STATUSES)


def _whole_second_after(instant: datetime) -> datetime:
    """RQ's scheduled registry keeps whole seconds and truncates: round up instead, or a job
    due at 17:00:00.6 would run at 17:00:00, before its time."""
    if instant.microsecond:
        return instant.replace(microsecond=0) + timedelta(seconds=1)
    return instant


def enqueue(actions: Sequence[QueuedAction], *, now: datetime) -> None:
    """After the commit: schedule RQ jobs for these due actions and mark them `enqueued`
    (the caller's boundary commits the mark).

    Never raises: if Redis (or the mark) fails, the rows stay `pending` and the sweeper
    enqueues them within a minute; the log says so without any personal data."""
    if not actions:
        return
    from triage.redis_conn import get_redis

    ids = [action.id for action in actions]
    try:
        schedule_many(queue(get_redis()), actions, now)
        with db.session.begin_nested():  # a failed mark undoes only itself
            mark_enqueued(ids, now)
    except (RedisError, OSError, SQLAlchemyError) as exc:
        log.warning(
            "due actions %s not enqueued (%s); the sweeper will enqueue them",
            ids,
            type(exc).__name__,
        )


def schedule(actions: Sequence[QueuedAction], *, now: datetime) -> None:
    """After the commit: schedule RQ jobs for rows already written `enqueued` (a new
    referral's, `due_action_plan.plan_new_referral`): Redis only, no database statement.

    Never raises: if Redis fails the rows stay `enqueued` without a job, and the sweeper's
    lost-job pass schedules them within a minute (counting one lost requeue on each)."""
    if not actions:
        return
    from triage.redis_conn import get_redis

    try:
        schedule_many(queue(get_redis()), actions, now)
    except (RedisError, OSError) as exc:
        log.warning(
            "due actions %s not enqueued (%s); the sweeper will enqueue them",
            [action.id for action in actions],
            type(exc).__name__,
        )


def mark_enqueued(ids: list[int], now: datetime) -> None:
    if ids:
        db.session.execute(
            update(DueAction)
            .where(DueAction.id.in_(ids), DueAction.status == "pending")
            .values(status="enqueued", enqueued_at=now)
        )
