"""Run the periodic jobs: `python -m workers.cron`. One per installation (see schedule.py)."""

from __future__ import annotations

import logging
import os
import socket

from rq.cron import CronScheduler

from workers.context import get_app
from workers.schedule import register_all


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = get_app()
    from triage.redis_conn import get_redis

    with app.app_context():
        connection = get_redis(app)
    scheduler = CronScheduler(
        connection=connection, name=f"triage-cron:{socket.gethostname()}:{os.getpid()}"
    )
    register_all(scheduler)
    scheduler.start()


if __name__ == "__main__":
    main()
