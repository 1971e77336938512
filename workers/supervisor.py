"""Keep a long-running RQ process going through Redis and database outages (issue 12 item 2).

`supervise(run_once, probe)` waits until `probe` passes (Redis answers PING, the database
SELECT 1), calls `run_once`, and when that ends for any reason but a stop signal, waits with
capped exponential back-off and starts again. A bug (any other exception) still ends the
process: systemd's `Restart=always` brings it back (docs/operations.md). The log names the
error's type only: messages from drivers can carry query parameters.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError
from rq.exceptions import StopRequested
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

OUTAGES = (RedisError, OSError, SQLAlchemyError)


@dataclass(frozen=True)
class Backoff:
    first: float = 1.0
    factor: float = 2.0
    cap: float = 30.0
    healthy_after: float = 60.0  # a run this long was a recovery: start again from `first`

    def next(self, previous: float | None, ran_for: float) -> float:
        if previous is None or ran_for >= self.healthy_after:
            return self.first
        return min(previous * self.factor, self.cap)


class _StopFlag:
    """SIGTERM/SIGINT while we are between runs (the RQ objects install their own handlers
    while they run)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: self._event.set())

    def is_set(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


def supervise(
    run_once: Callable[[], bool],
    probe: Callable[[], None],
    *,
    name: str,
    backoff: Backoff = Backoff(),  # frozen, so sharing the default is safe
) -> None:
    """Run `run_once` (True = it stopped on a signal) until a stop is requested."""
    stop = _StopFlag()
    delay: float | None = None
    while True:
        stop.install()
        started = time.monotonic()
        try:
            probe()
            if stop.is_set():
                return
            if run_once():
                return
            reason = "stopped"
        except StopRequested:
            return
        except OUTAGES as exc:
            reason = type(exc).__name__
        stop.install()
        delay = backoff.next(delay, time.monotonic() - started)
        wait = delay * (1 + random.random() / 10)  # jitter: workers do not reconnect in step
        log.warning("%s ended (%s); starting again in %.1f s", name, reason, wait)
        if stop.wait(wait):
            return


def probe_backends(app: Flask, connection: Redis) -> Callable[[], None]:
    """A probe that raises unless Redis and the database both answer."""
    from triage.extensions import db

    def probe() -> None:
        connection.ping()
        with app.app_context(), db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))

    return probe
