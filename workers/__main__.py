"""Start an RQ worker with the scheduler: `python -m workers [queue ...]`.

Production runs several of these side by side (each safe with the others); `make run` starts
one against the embedded Redis. A Redis or database outage does not end it: it waits with
back-off and starts working again (workers/supervisor.py).
"""

from __future__ import annotations

import logging
import sys

from rq import Queue

from workers.context import get_app
from workers.supervisor import probe_backends, supervise
from workers.worker import TriageWorker


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = get_app()
    from triage.redis_conn import get_redis, warn_if_not_durable

    configured = bool(app.config.get("REDIS_URL"))  # not the embedded development server
    with app.app_context():
        connection = get_redis(app)
        names = argv or list(app.config["RQ_QUEUES"])
    if configured:
        warn_if_not_durable(connection, logging.getLogger("workers"))
    _preload(app)
    queues = [Queue(name, connection=connection) for name in names]

    def run_once() -> bool:
        worker = TriageWorker(queues, connection=connection)
        worker.work(with_scheduler=True)
        return worker.stop_signalled

    supervise(run_once, probe_backends(app, connection), name="worker")


def _preload(app) -> None:
    """RQ forks a work horse per job: import and cache in this parent what every job needs
    (the job code, the bank-holiday tables), or each job pays ~0.3 s for it again."""
    from datetime import UTC, datetime

    import workers.jobs  # noqa: F401
    from triage.workdays import WorkingCalendar

    WorkingCalendar.from_settings(
        timezone=app.config["TIMEZONE"],
        close_of_business=app.config["CLOSE_OF_BUSINESS"],
        opening_time=app.config["OPENING_TIME"],
    ).offer_due(datetime.now(UTC))


if __name__ == "__main__":
    main(sys.argv[1:])
