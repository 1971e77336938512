"""Error pages that reveal nothing, JSON errors for the API, and audited refusals."""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from triage.extensions import db
from triage.services import audit
from triage.web.actor import current_actor

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


def _audit_refusal(status: int) -> None:
    """A refused request is itself evidence: record it in a transaction of its own."""
    db.session.rollback()
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
    )
    db.session.commit()


def _csrf_error(error: CSRFError):
    db.session.rollback()
    return _respond(400, "The form had expired or was not sent from this service. Try again.")


def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 403 or (status == 404 and g.get("denied_object_type")):
        _audit_refusal(status)
    else:
        db.session.rollback()
    return _respond(status)


def _unexpected_error(error: Exception):
    db.session.rollback()
    # The request id ties the log line to the audit trail; no personal data goes in logs.
    log.exception("unhandled error (request %s)", g.get("request_id"))
    return _respond(500)
