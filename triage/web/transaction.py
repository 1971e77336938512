"""One transaction per request: the request boundary commits once, then runs what must wait
for the commit (enqueueing jobs, so a worker never sees a row that does not exist yet).

Views never commit. They call services (which flush and audit in the request's transaction)
and return a response; `register` commits when the response is not a server error and rolls
back otherwise. A service refusal inside a view is handled with `attempt`, which undoes only
that service call's writes (a savepoint), so what the request recorded before it — a session
touch, a refusal — is still committed once, at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, g

from triage.extensions import db

log = logging.getLogger(__name__)

T = TypeVar("T")
_CALLBACKS = "_after_commit"


def after_commit(callback: Callable[[], Any]) -> None:
    """Run `callback` once this request's transaction has committed (never if it rolls back).

    Each callback's own writes are committed after it; a failure is rolled back and logged,
    and the sweeper is the safety net for anything it would have sped up (deadlines are rows,
    Redis only a timer)."""
    g.setdefault(_CALLBACKS, []).append(callback)


def attempt(
    service: Callable[..., T], *args: Any, refusals: tuple[type[Exception], ...], **kwargs: Any
) -> tuple[T | None, Exception | None]:
    """Call one service in a savepoint. Returns (result, None), or (None, the refusal) with the
    service's writes undone when it raises one of `refusals` (its own validation errors).
    Anything else propagates: the error handler rolls the whole request back."""
    savepoint = db.session.begin_nested()
    try:
        result = service(*args, **kwargs)
    except refusals as refusal:
        savepoint.rollback()
        return None, refusal
    savepoint.commit()
    return result, None


def commit_request(response: Response) -> Response:
    """The one commit of a request (after_request)."""
    callbacks = g.pop(_CALLBACKS, [])
    if response.status_code >= 500:
        db.session.rollback()
        return response
    db.session.commit()  # a failure here propagates: Flask answers 500 and this runs again
    for callback in callbacks:
        run_after_commit(callback)
    return response


def run_after_commit(callback: Callable[[], Any]) -> None:
    """One after-commit step as a unit of work of its own (e.g. enqueue, then mark the rows
    enqueued): committed when it returns, rolled back and logged when it raises."""
    try:
        callback()
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("after-commit step failed (request %s)", g.get("request_id"))


def register(app: Flask) -> None:
    app.after_request(commit_request)
