"""Manager reports: aggregated figures only, never a name or an address (the overdue list
shows references). Thin views: read the filters, call triage.services.reports, render."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from triage.auth.decorators import requires
from triage.extensions import db
from triage.reports import charts_for
from triage.reports.forms import parse_range
from triage.reports.settings import direct_export_max_days, report_settings
from triage.services.reports import catalogue, exports
from triage.services.reports.definitions import PRESETS
from triage.timeutil import utcnow
from triage.web.actor import current_actor

bp = Blueprint("reports", __name__, url_prefix="/reports")

NAV = [("Reports", "reports.index", "report.view")]


@bp.route("/")
@requires("report.view")
def index():
    return render_template("reports/index.html", active="reports.index")


@bp.route("/timeliness")
@requires("report.view")
def timeliness():
    settings = report_settings()
    now = utcnow()
    query = parse_range(request.args, now=now, timezone=settings.calendar.timezone)
    report = tables = None
    if not query.errors:
        report, tables = catalogue.build(
            "timeliness", db.session, query.params(), settings=settings, now=now
        )
    return render_template(
        "reports/timeliness.html",
        query=query,
        presets=PRESETS,
        report=report,
        tables=tables,
        charts=charts_for.timeliness(tables) if tables else None,
        heavy=bool(query.period and query.period.days > direct_export_max_days()),
        active="reports.index",
    )


@bp.route("/<name>/export/<fmt>")
@requires("report.view")
def export(name: str, fmt: str):
    """A file of the report (suppressed like the page), audited by the export service."""
    if name not in catalogue.BUILDERS or fmt not in exports.FORMATS:
        abort(404)
    settings = report_settings()
    now = utcnow()
    params, errors = _params(name, settings, now)
    if errors:
        abort(400)
    _report, tables = catalogue.build(name, db.session, params, settings=settings, now=now)
    body = exports.render(tables, fmt)
    exports.record_export(tables, fmt, actor=current_actor(), now=now)
    return _file(body, fmt, exports.filename(tables, fmt))


def _params(name: str, settings, now) -> tuple[dict[str, str], dict[str, str]]:
    query = parse_range(request.args, now=now, timezone=settings.calendar.timezone)
    return (query.params() if not query.errors else {}), query.errors


def _file(body: bytes, fmt: str, filename: str) -> Response:
    response = Response(body, mimetype=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
