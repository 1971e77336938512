"""Read-only views of the machinery for /readyz and the operations page. No personal data:
due actions are shown by referral reference, jobs by id and function name."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.cron import CronScheduler
from rq.registry import (
    DeferredJobRegistry,
    FailedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from triage.extensions import db
from triage.models import DueAction
from triage.services import due_action_queue, due_action_sweep, scheduler_health

log = logging.getLogger(__name__)


def readiness(now: datetime, connection: Redis) -> dict[str, str]:
    """/readyz's checks, each "ok" or "failing". Red within a minute when no deadline can run
    on time: no live RQ scheduler, or an open due action past its time by the configured
    grace (issue 12), as well as the database, Redis, the sweeper and failed actions."""
    checks = _database_checks(now)
    checks.update(_redis_checks(now, connection))
    return checks


def _database_checks(now: datetime) -> dict[str, str]:
    names = ("database", "sweeper", "due_actions", "late_actions")
    try:
        database_ok()
        results = (
            True,
            sweeper_fresh(now),
            failed_due_action_count() == 0,
            late_due_action_count(now) == 0,
        )
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("readiness: database check failed (no detail logged)")
        results = (False,) * len(names)
    return {name: "ok" if ok else "failing" for name, ok in zip(names, results, strict=True)}


def _redis_checks(now: datetime, connection: Redis) -> dict[str, str]:
    try:
        connection.ping()
        active = scheduler_health.scheduler_active(connection, current_app.config["RQ_QUEUES"], now)
    except (RedisError, OSError) as exc:
        log.warning("readiness: Redis check failed (%s)", type(exc).__name__)
        return {"redis": "failing", "scheduler": "failing"}
    return {"redis": "ok", "scheduler": "ok" if active else "failing"}


def late_due_action_count(now: datetime) -> int:
    """Open due actions past their due time by more than DUE_ACTION_LATE_AFTER."""
    cutoff = now - current_app.config["DUE_ACTION_LATE_AFTER"]
    return int(
        db.session.scalar(
            select(func.count(DueAction.id)).where(
                DueAction.status.in_(due_action_queue.OPEN_STATUSES), DueAction.due_at < cutoff
            )
        )
    )


def database_ok() -> bool:
    db.session.execute(text("SELECT 1"))
    return True


def sweeper_fresh(now: datetime) -> bool:
    beat = due_action_sweep.last_sweep()
    if beat is None:
        return False
    return now - beat["updated_at"] <= current_app.config["SWEEPER_STALE_AFTER"]


def failed_due_action_count() -> int:
    return int(
        db.session.scalar(select(func.count(DueAction.id)).where(DueAction.status == "failed"))
    )


def due_action_counts() -> dict[str, int]:
    rows = db.session.execute(
        select(DueAction.status, func.count(DueAction.id)).group_by(DueAction.status)
    )
    return {status: n for status, n in rows}


def late_open_actions(now: datetime, limit: int = 20) -> list[DueAction]:
    """Open actions more than two sweeper periods past due: something is not running them."""
    cutoff = now - current_app.config["SWEEPER_STALE_AFTER"]
    return list(
        db.session.scalars(
            select(DueAction)
            .where(DueAction.status.in_(due_action_queue.OPEN_STATUSES), DueAction.due_at < cutoff)
            .order_by(DueAction.due_at)
            .limit(limit)
        )
    )


def failed_due_actions(limit: int = 50) -> list[DueAction]:
    return list(
        db.session.scalars(
            select(DueAction)
            .where(DueAction.status == "failed")
            .order_by(DueAction.due_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class QueueDepth:
    name: str
    queued: int
    scheduled: int
    started: int
    deferred: int
    failed: int


def queue_depths(connection: Redis) -> list[QueueDepth]:
    depths = []
    for name in current_app.config["RQ_QUEUES"]:
        queue = Queue(name, connection=connection)
        depths.append(
            QueueDepth(
                name=name,
                queued=queue.count,
                scheduled=ScheduledJobRegistry(queue=queue).count,
                started=StartedJobRegistry(queue=queue).count,
                deferred=DeferredJobRegistry(queue=queue).count,
                failed=FailedJobRegistry(queue=queue).count,
            )
        )
    return depths


@dataclass(frozen=True)
class FailedJob:
    id: str
    queue: str
    function: str
    ended_at: datetime | None
    error: str


def failed_jobs(connection: Redis, limit: int = 20) -> list[FailedJob]:
    found: list[FailedJob] = []
    for name in current_app.config["RQ_QUEUES"]:
        queue = Queue(name, connection=connection)
        registry = FailedJobRegistry(queue=queue)
        for job in queue.job_class.fetch_many(
            registry.get_job_ids(0, limit - 1), connection=connection
        ):
            if job is None:
                continue
            result = job.latest_result()
            error = (result.exc_string or "") if result else ""
            found.append(
                FailedJob(
                    id=job.id,
                    queue=name,
                    function=job.func_name,
                    ended_at=job.ended_at,
                    # The exception's last line only: enough to act on, no stack of locals.
                    error=error.strip().splitlines()[-1][:300] if error.strip() else "",
                )
            )
    return found[:limit]


def workers_and_cron(connection: Redis) -> dict:
    return {
        "workers": len(Worker.all(connection=connection)),
        "cron_schedulers": [s.name for s in CronScheduler.all(connection)],
    }
