"""Manager reports: aggregated figures only, never a name or an address (the overdue list
shows references). Thin views: read the filters, call triage.services.reports, render."""

from __future__ import annotations

import os

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from triage.auth.decorators import requires
from triage.extensions import db
from triage.reports import charts_for
from triage.reports.forms import parse_quarter_query, parse_range, recent_quarters
from triage.reports.settings import (
    direct_export_max_days,
    export_dir,
    export_ttl,
    report_settings,
)
from triage.services.reports import catalogue, export_jobs, exports
from triage.services.reports.definitions import PRESETS
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.lookup import refuse
from triage.web.transaction import after_commit

bp = Blueprint("reports", __name__, url_prefix="/reports")

NAV = [("Reports", "reports.index", "report.view")]


@bp.route("/")
@requires("report.view")
def index():
    return render_template("reports/index.html", active="reports.index")


def _range_report(name: str, charts) -> str:
    """A report over a date range (timeliness, MARAC): the form, the figures, the charts."""
    settings = report_settings()
    now = utcnow()
    query = parse_range(request.args, now=now, timezone=settings.calendar.timezone)
    report = tables = None
    if not query.errors:
        report, tables = catalogue.build(
            name, db.session, query.params(), settings=settings, now=now
        )
    return render_template(
        f"reports/{name}.html",
        query=query,
        presets=PRESETS,
        report=report,
        tables=tables,
        charts=charts(tables) if tables else None,
        heavy=bool(query.period and query.period.days > direct_export_max_days()),
        active="reports.index",
    )


@bp.route("/timeliness")
@requires("report.view")
def timeliness():
    return _range_report("timeliness", charts_for.timeliness)


@bp.route("/marac")
@requires("report.view")
def marac():
    return _range_report("marac", charts_for.marac)


@bp.route("/safelives")
@requires("report.view")
def safelives():
    settings = report_settings()
    now = utcnow()
    query = parse_quarter_query(request.args, now=now, timezone=settings.calendar.timezone)
    report = tables = None
    if not query.errors:
        report, tables = catalogue.build(
            "safelives", db.session, query.params(), settings=settings, now=now
        )
    return render_template(
        "reports/safelives.html",
        query=query,
        quarters=recent_quarters(settings.calendar.local_date(now)),
        report=report,
        tables=tables,
        heavy=False,  # one quarter of meetings: always small
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
    params, errors = _params(name, request.args, settings, now)
    if errors:
        abort(400)
    _report, tables = catalogue.build(name, db.session, params, settings=settings, now=now)
    body = exports.render(tables, fmt)
    exports.record_export(tables, fmt, actor=current_actor(), now=now)
    return _file(body, fmt, exports.filename(tables, fmt))


@bp.route("/<name>/export-job", methods=["POST"])
@requires("report.view")
def start_export(name: str):
    """Ask a worker to prepare the file; audited now, enqueued once this request commits."""
    fmt = request.form.get("fmt", "")
    if name not in catalogue.BUILDERS or fmt not in exports.FORMATS:
        abort(404)
    settings = report_settings()
    now = utcnow()
    params, errors = _params(name, request.form, settings, now)
    if errors:
        abort(400)
    exports.record_request(name, params, fmt, via="job", actor=current_actor(), now=now)
    job_id = export_jobs.new_job_id()
    user_id, directory, ttl = int(current_user.id), export_dir(), export_ttl()
    after_commit(
        lambda: export_jobs.enqueue(
            _redis(),
            job_id,
            name=name,
            fmt=fmt,
            params=params,
            user_id=user_id,
            directory=directory,
            ttl=ttl,
        )
    )
    return redirect(url_for("reports.export_status", job_id=job_id))


@bp.route("/exports/<job_id>")
@requires("report.view")
def export_status(job_id: str):
    job = _own_job(job_id)
    return render_template("reports/export_status.html", job=job, active="reports.index")


@bp.route("/exports/<job_id>/file")
@requires("report.view")
def export_file(job_id: str):
    job = _own_job(job_id)
    path = export_jobs.file_path(export_dir(), job.job_id, job.fmt)
    if job.state != "finished" or not os.path.isfile(path):
        refuse("report_export", job_id)
    with open(path, "rb") as handle:
        body = handle.read()
    return _file(body, job.fmt, job.filename or os.path.basename(path))


def _own_job(job_id: str) -> export_jobs.ExportStatus:
    """The signed-in user's own export job, or 404 (someone else's looks like none)."""
    job = export_jobs.status(_redis(), job_id, user_id=int(current_user.id))
    if job is None:
        refuse("report_export", job_id)
    return job


def _redis():
    from triage.redis_conn import get_redis

    return get_redis()


def _params(name: str, args, settings, now) -> tuple[dict[str, str], dict[str, str]]:
    """The report's filters from a query string or form, as plain strings, and any errors."""
    parse = parse_quarter_query if name == "safelives" else parse_range
    query = parse(args, now=now, timezone=settings.calendar.timezone)
    return (query.params() if not query.errors else {}), query.errors


def _file(body: bytes, fmt: str, filename: str) -> Response:
    response = Response(body, mimetype=exports.FORMATS[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
