"""Error pages that reveal nothing, JSON errors for the API, and audited refusals."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, make_response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from triage.extensions import db
from triage.services import audit
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.kept_records import rerun_kept

log = logging.getLogger(__name__)

TITLES = {
    400: "There was a problem with your request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "There was a problem with your request",
    413: "The file is too large",
    429: "Too many attempts",
    500: "Sorry, there is a problem with the service",
}


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _respond(status: int, message: str | None = None):
    title = TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    if request.path.startswith("/api/"):
        return jsonify({"error": title, "status": status}), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def _undo_request_work() -> None:
    """Drop whatever a refused request had begun, except its sign-in check's records (a
    session touch or time-out, a token's last use), which are written again."""
    db.session.rollback()
    rerun_kept()


def _audit_refusal(status: int) -> None:
    """A refused request is itself evidence: drop whatever the request had begun, record the
    refusal, and let the request's one commit (triage.web.transaction) keep it."""
    _undo_request_work()
    audit.record(
        "access.denied",
        current_actor(),
        details={
            "status": status,
            "endpoint": request.endpoint,
            "method": request.method,
            "capability": g.get("denied_capability"),
        },
        object_type=g.get("denied_object_type"),
        object_id=g.get("denied_object_id"),
        now=request_now(),
    )


def _csrf_error(error: CSRFError):
    """A form without its token (a forged request, or an expired page): nothing it carried is
    kept, but the attempt is (G14) — which endpoint, which method, never the form's contents."""
    _undo_request_work()
    audit.record(
        "csrf.failed",
        current_actor(),
        details={"endpoint": request.endpoint, "method": request.method},
        now=request_now(),
    )
    return _respond(400, "The form had expired or was not sent from this service. Try again.")


def _unknown_object() -> bool:
    """A 404 on a route that names an object by id, for a signed-in user: record it like a
    refusal, so probing for ids leaves the same trace as opening someone else's case."""
    if g.get("denied_object_type") or not current_user.is_authenticated:
        return False
    for arg, value in (request.view_args or {}).items():
        if arg.endswith("_id") and isinstance(value, int):
            g.denied_object_type, g.denied_object_id = arg.removesuffix("_id"), value
            return True
    return False


def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 403 or (status == 404 and (g.get("denied_object_type") or _unknown_object())):
        _audit_refusal(status)
    else:
        _undo_request_work()
    body, code = _respond(status)
    response = make_response(body, code)
    # Keep what the status itself promises: a 405 says which methods the URL takes (Allow),
    # a 413/429 may say when to come back (Retry-After).
    for name, value in error.get_headers():
        if name.lower() in {"allow", "retry-after"}:
            response.headers[name] = value
    return response


def _unexpected_error(error: Exception):
    db.session.rollback()
    # The request id ties the log line to the audit trail; no personal data goes in logs.
    log.exception("unhandled error (request %s)", g.get("request_id"))
    return _respond(500)
