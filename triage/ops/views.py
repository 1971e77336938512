"""Health checks for the load balancer and the operators."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text

from triage.auth.decorators import public
from triage.extensions import db
from triage.redis_conn import get_redis

bp = Blueprint("ops", __name__)


@bp.route("/healthz")
@public
def healthz():
    """Liveness: the process answers. Checks nothing else, so a slow database can't kill it."""
    return jsonify({"status": "ok"})


@bp.route("/readyz")
@public
def readyz():
    """Readiness: the database and Redis answer. Reports no detail beyond ok/failing."""
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # any failure means not ready; the detail goes to the log, not the page
        db.session.rollback()
        checks["database"] = "failing"
    try:
        get_redis().ping()
        checks["redis"] = "ok"
    except Exception:
        checks["redis"] = "failing"
    ready = all(v == "ok" for v in checks.values())
    return jsonify(
        {"status": "ok" if ready else "failing", "checks": checks}
    ), 200 if ready else 503
