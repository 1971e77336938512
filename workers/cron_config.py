"""For RQ's own CLI: `rq cron workers.cron_config` (the app's `python -m workers.cron` is the
usual way; it also picks the Redis URL from the app's configuration)."""

from rq import cron

from workers.schedule import PERIODIC_JOBS

for _job in PERIODIC_JOBS:
    cron.register(
        _job.func,
        _job.queue,
        interval=_job.interval,
        cron=_job.cron,
        job_timeout=_job.timeout,
        ttl=_job.interval or 3600,
        name=_job.id,
    )
