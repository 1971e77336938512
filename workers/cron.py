"""Run the periodic jobs: `python -m workers.cron`. One per installation (see schedule.py).

A Redis outage does not end it: it waits with back-off and starts again (workers/supervisor.py),
and every start runs the sweeper at once, which re-creates any job the outage lost. It wakes
every few seconds (RQ's own sleeps up to a minute) so that it notices an outage, and the
recovery sweep follows it, within seconds. A daily job whose minute falls inside an outage is
skipped until the next day (both are idempotent catch-ups: meetings weeks ahead, purge)."""

from __future__ import annotations

import logging
import os
import socket

from rq.cron import CronScheduler

from workers.context import get_app
from workers.schedule import register_all
from workers.supervisor import probe_backends, supervise

WAKE_EVERY_SECONDS = 5


class TriageCronScheduler(CronScheduler):
    def calculate_sleep_interval(self) -> float:
        return min(super().calculate_sleep_interval(), WAKE_EVERY_SECONDS)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = get_app()
    from triage.redis_conn import get_redis

    with app.app_context():
        connection = get_redis(app)
    name = f"triage-cron:{socket.gethostname()}:{os.getpid()}"

    def run_once() -> bool:
        scheduler = TriageCronScheduler(connection=connection, name=name)
        register_all(scheduler)
        scheduler.start()  # returns on SIGTERM/SIGINT; raises when Redis goes away
        return True

    supervise(run_once, probe_backends(app, connection), name="cron")


if __name__ == "__main__":
    main()
