"""Start an RQ worker with the scheduler: `python -m workers [queue ...]`.

Production runs several of these side by side (each safe with the others); `make run` starts
one against the embedded Redis.
"""

from __future__ import annotations

import logging
import sys

from rq import Queue, Worker

from workers.context import get_app


def main(argv: list[str]) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = get_app()
    from triage.redis_conn import get_redis

    with app.app_context():
        connection = get_redis(app)
        names = argv or list(app.config["RQ_QUEUES"])
    queues = [Queue(name, connection=connection) for name in names]
    worker = Worker(queues, connection=connection)
    worker.work(with_scheduler=True)


if __name__ == "__main__":
    main(sys.argv[1:])
