"""Is RQ's scheduler doing its job? The checks and repairs the worker, the sweeper and /readyz
share (issue 12 item 2: deadlines never wait on a dead process).

RQ's scheduler runs inside one worker at a time: it holds a lock per queue
(`rq:scheduler-lock:<queue>`, 61 s TTL, refreshed every second) and moves jobs whose time has
come from each queue's scheduled registry onto the queue. If its worker dies, the lock lives on
for up to a minute, and a worker that started meanwhile only tried again every 10 minutes: due
jobs sat in the registry while the sweeper counted them as alive. Here:

- `scheduler_active` says whether every queue has a scheduler with a recent heartbeat;
- `release_stale_locks` frees a lock whose holder has stopped beating, so a live worker can
  take it at once instead of waiting out the TTL;
- `promote_overdue` moves jobs that are past their time by more than a grace onto their queue,
  as the scheduler would have. Safe beside a live scheduler: the registry removal is the claim,
  and a job enqueued twice is harmless (every job is idempotent).

No Flask here: callers pass the connection, the queue names and the clock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import ScheduledJobRegistry
from rq.scheduler import SCHEDULER_KEY_TEMPLATE, RQScheduler
from rq.scripts import release_lock
from rq.utils import utcparse

log = logging.getLogger(__name__)

# A scheduler beats every second; one silent for this long is dead (or its host is stuck).
HEARTBEAT_STALE_AFTER = timedelta(seconds=10)
# A scheduled job this far past its time has been missed by the scheduler.
SCHEDULED_JOB_GRACE = timedelta(seconds=30)


def _lock_holder(connection: Redis, queue_name: str) -> str | None:
    value = connection.get(RQScheduler.get_locking_key(queue_name))
    return value.decode() if isinstance(value, bytes) else value


def _last_heartbeat(connection: Redis, scheduler_name: str) -> datetime | None:
    value = connection.hget(SCHEDULER_KEY_TEMPLATE % scheduler_name, "last_heartbeat")
    if value is None:
        return None
    return utcparse(value.decode() if isinstance(value, bytes) else value)


def _holder_alive(connection: Redis, holder: str, now: datetime) -> bool:
    beat = _last_heartbeat(connection, holder)
    return beat is not None and now - beat <= HEARTBEAT_STALE_AFTER


def scheduler_active(connection: Redis, queue_names: Iterable[str], now: datetime) -> bool:
    """True when every queue's scheduler lock is held by a scheduler that beat recently."""
    for name in queue_names:
        holder = _lock_holder(connection, name)
        if holder is None or not _holder_alive(connection, holder, now):
            return False
    return True


def release_stale_locks(connection: Redis, queue_names: Iterable[str], now: datetime) -> list[str]:
    """Free the scheduler locks whose holder stopped beating; returns those queues' names.

    The release is token-checked (RQ's own script): a holder that beat in the meantime, or a
    new holder, keeps its lock."""
    released = []
    for name in queue_names:
        holder = _lock_holder(connection, name)
        if holder is None or _holder_alive(connection, holder, now):
            continue
        if release_lock(connection, RQScheduler.get_locking_key(name), holder):
            released.append(name)
    if released:
        log.warning("released scheduler locks of a silent scheduler for %s", ", ".join(released))
    return released


def promote_overdue(
    connection: Redis,
    queue_names: Iterable[str],
    now: datetime,
    grace: timedelta = SCHEDULED_JOB_GRACE,
) -> int:
    """Move scheduled jobs more than `grace` past their time onto their queue; returns how
    many. Job ids only in the log (they are hashes of row keys, never personal data)."""
    cutoff = int((now - grace).timestamp())
    promoted = 0
    for name in queue_names:
        queue = Queue(name, connection=connection)
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_jobs_to_schedule(cutoff):
            # Whoever removes the entry owns the promotion: a scheduler that got there first
            # has already enqueued it.
            if not connection.zrem(registry.key, job_id):
                continue
            job = Job.fetch_many([job_id], connection=connection)[0]
            if job is None:
                continue
            queue._enqueue_job(job, at_front=job.should_enqueue_at_front())
            promoted += 1
    if promoted:
        log.warning("promoted %d scheduled jobs the RQ scheduler had missed", promoted)
    return promoted
