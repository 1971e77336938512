"""For RQ's own CLI: `rq cron workers.cron_config` (the app's `python -m workers.cron` is the
usual way; it also picks the Redis URL from the app's configuration). The same registration
as `python -m workers.cron`: `workers.schedule.register_all`, with RQ's module-level
scheduler, which `rq cron` reads."""

from rq import cron

from workers.schedule import register_all

register_all(cron)
