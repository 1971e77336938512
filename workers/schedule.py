"""The periodic jobs, declared as data with stable ids.

`python -m workers.cron` registers these with RQ's CronScheduler; `rq cron workers.cron_config`
would do the same from RQ's own CLI. Run ONE cron process: a second one would only enqueue
duplicate sweeps (harmless, every job is idempotent, but wasteful).
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from rq.cron import CronScheduler

from workers import jobs, report_jobs


@dataclass(frozen=True)
class PeriodicJob:
    id: str  # stable: RQ's cron history and the operations page are keyed by it
    func: object
    queue: str
    timeout: int  # seconds
    interval: int | None = None  # seconds
    cron: str | None = None  # crontab, in UTC


PERIODIC_JOBS: tuple[PeriodicJob, ...] = (
    # Every open due action gets a live Redis job; the heartbeat /readyz watches.
    PeriodicJob("sweep-due-actions", jobs.sweep, "deadlines", timeout=300, interval=60),
    # MARAC meeting rows for the weeks ahead (02:15 UTC: quiet, and never on a clock change).
    PeriodicJob(
        "generate-marac-meetings", jobs.generate_meetings, "default", 300, cron="15 2 * * *"
    ),
    # Proves a worker can take a job and write to the database.
    PeriodicJob("worker-heartbeat", jobs.record_worker_heartbeat, "default", 30, interval=60),
    # A signed checkpoint of the audit chain head: truncation of the trail becomes detectable.
    PeriodicJob("audit-checkpoint", jobs.write_audit_checkpoint, "default", 120, cron="7 * * * *"),
    # Erase referrals past their retention date (03:30 UTC, after meeting generation).
    PeriodicJob("purge-expired", jobs.purge_expired_records, "default", 1800, cron="30 3 * * *"),
    # Delete prepared report files past their time to live (REPORT_EXPORT_TTL).
    PeriodicJob(
        "purge-report-exports", report_jobs.purge_expired_exports, "default", 120, interval=300
    ),
)


def register_all(scheduler: CronScheduler | ModuleType) -> None:
    """Register every periodic job: with a CronScheduler (`python -m workers.cron`) or with
    RQ's module-level `rq.cron` registry (`rq cron workers.cron_config`)."""
    for job in PERIODIC_JOBS:
        scheduler.register(
            job.func,
            job.queue,
            interval=job.interval,
            cron=job.cron,
            job_timeout=job.timeout,
            # A periodic run that waited longer than its period is superseded by the next one.
            ttl=job.interval or 3600,
            result_ttl=3600,
            failure_ttl=7 * 86400,
            name=job.id,
        )
