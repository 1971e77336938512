"""Jobs run inside an app context: the current one (tests, the web) or this process's own."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import contextmanager
from functools import wraps
from typing import Any

from flask import Flask, has_app_context

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
