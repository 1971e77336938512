"""GET /api/v1/reports/timeliness and /api/v1/reports/marac: the manager reports as JSON,
with exact counts (for systems holding report.view; the screen and files suppress).

Routes are added to the API blueprint of triage.api.views; triage/__init__.py imports this
module before that blueprint is registered."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request

from triage.api.views import bp
from triage.auth.decorators import requires
from triage.extensions import db
from triage.reports.forms import parse_as_of
from triage.reports.settings import report_settings
from triage.services.reports import catalogue, exports
from triage.services.reports.definitions import DateRange
from triage.timeutil import utcnow
from triage.web.actor import current_actor


def _params(now, timezone) -> tuple[dict[str, str], list[dict[str, str]]]:
    errors: list[dict[str, str]] = []
    days: dict[str, date] = {}
    for key in ("from", "to"):
        text = request.args.get(key) or ""
        try:
            if len(text) != 10:
                raise ValueError
            days[key] = date.fromisoformat(text)
            if not 1900 <= days[key].year <= 2100:
                raise ValueError
        except ValueError:
            errors.append({"field": key, "message": "required, a date written YYYY-MM-DD"})
    as_of = parse_as_of((request.args.get("as_of") or "")[:40], now=now, timezone=timezone)
    if as_of is None:
        errors.append(
            {"field": "as_of", "message": "must be an ISO 8601 date and time, not in the future"}
        )
    if not errors:
        try:
            DateRange(days["from"], days["to"])
        except ValueError as problem:
            errors.append({"field": "to", "message": str(problem)})
    if errors:
        return {}, errors
    assert as_of is not None
    params = {"from": days["from"].isoformat(), "to": days["to"].isoformat()}
    return {**params, "as_of": as_of.isoformat()}, []


def _report(name: str):
    settings = report_settings()
    now = utcnow()
    params, errors = _params(now, settings.calendar.timezone)
    if errors:
        return jsonify({"errors": errors}), 422
    report, _tables = catalogue.build(name, db.session, params, settings=settings, now=now)
    exports.record_request(name, params, "json", via="api", actor=current_actor(), now=now)
    return jsonify(report.to_json())


@bp.route("/reports/timeliness")
@requires("report.view")
def report_timeliness():
    return _report("timeliness")


@bp.route("/reports/marac")
@requires("report.view")
def report_marac():
    return _report("marac")
