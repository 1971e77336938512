"""RQ's worker, made to keep the scheduler running (issue 12 item 2).

RQ's own worker tries for the scheduler lock when it starts and then only with its registry
maintenance, every 10 minutes; a worker restarted while a dead one's lock was still live ran
without a scheduler that long. This one checks every few seconds: it frees a lock whose holder
stopped beating and takes it, or restarts its scheduler process if that died (it exits on a
Redis outage). Registry cleaning keeps RQ's 10-minute rhythm.
"""

from __future__ import annotations

import time

from rq import Worker

from triage.services import scheduler_health
from triage.timeutil import utcnow

# How often an idle worker wakes to check the scheduler. Also bounds the blocking pop, so the
# cost is one Redis round trip per worker per interval.
SCHEDULER_CHECK_SECONDS = 5


class TriageWorker(Worker):
    # RQ backs off up to this long between reconnection attempts while Redis is away.
    max_connection_wait_time = 15.0

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stop_signalled = False  # SIGTERM/SIGINT, as opposed to giving up on Redis
        self._scheduler_checked_at: float | None = None

    @property
    def dequeue_timeout(self) -> int:
        return SCHEDULER_CHECK_SECONDS

    @property
    def should_run_maintenance_tasks(self) -> bool:
        return super().should_run_maintenance_tasks or self._scheduler_check_due()

    def run_maintenance_tasks(self) -> None:
        if super().should_run_maintenance_tasks:
            super().run_maintenance_tasks()
        self._ensure_scheduler()

    def request_stop(self, signum, frame) -> None:
        self.stop_signalled = True
        super().request_stop(signum, frame)

    def _scheduler_check_due(self) -> bool:
        last = self._scheduler_checked_at
        return last is None or time.monotonic() - last >= SCHEDULER_CHECK_SECONDS

    def _ensure_scheduler(self) -> None:
        self._scheduler_checked_at = time.monotonic()
        scheduler = self.scheduler
        if scheduler is None:  # started without a scheduler (burst runs in tests)
            return
        if scheduler._process is not None and scheduler._process.is_alive():
            return
        scheduler_health.release_stale_locks(self.connection, self.queue_names(), utcnow())
        if scheduler.acquire_locks(auto_start=True):
            self.log.info("Worker %s: scheduler running", self.name)
