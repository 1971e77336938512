"""Jobs run inside an app context (the current one: tests, the web; or this process's own)
and one transaction each: `job_transaction` is the job boundary, the only place a job commits.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import wraps
from typing import Any

from flask import Flask, current_app, has_app_context

from triage.settings import Settings
from triage.timeutil import utcnow

log = logging.getLogger(__name__)

_app: Flask | None = None
_app_pid: int | None = None


def get_app() -> Flask:
    """The worker process's app, created once per process."""
    global _app, _app_pid
    if _app is None:
        from triage import create_app

        _app = create_app()
        _app_pid = os.getpid()
    return _app


@contextmanager
def job_context():
    if has_app_context():
        yield
        return
    app = get_app()
    from triage.extensions import db

    with app.app_context():
        if _app_pid != os.getpid():
            # RQ forks a work horse per job: never reuse the parent's database connections.
            db.engine.dispose(close=False)
        try:
            yield
        finally:
            db.session.remove()


def in_app_context(func: Callable) -> Callable:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any):
        with job_context():
            return func(*args, **kwargs)

    return wrapper


def job_settings() -> Settings:
    """This job's settings, read from the app's configuration when the job starts."""
    return Settings.from_config(current_app.config, current_app.instance_path)


@dataclass
class JobRun:
    """What a job's services need from its boundary: the time it started, the settings, and
    the steps to run once its transaction has committed (enqueueing, e-mail delivery)."""

    now: datetime
    settings: Settings
    _after_commit: list[Callable[[], Any]] = field(default_factory=list)

    def after_commit(self, callback: Callable[[], Any]) -> None:
        self._after_commit.append(callback)


@contextmanager
def job_transaction() -> Iterator[JobRun]:
    """One job, one commit: commits when the body returns, rolls back (and re-raises, so RQ
    retries) when it raises. Then runs the after-commit steps, each committed on its own; a
    failing step is rolled back and logged (the sweeper is the safety net)."""
    from triage.extensions import db

    run = JobRun(now=utcnow(), settings=job_settings())
    try:
        yield run
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    for callback in run._after_commit:
        try:
            callback()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("after-commit step of a job failed")
