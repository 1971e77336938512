"""The S2S morning list: referrals still waiting for an offer that reached the victim, by
due time; its print view and CSV download (both audited).

Filters travel as short codes in the query string (bookmarkable; never names or other
personal data).
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import current_user

from triage.auth.decorators import requires
from triage.models.referral import SOURCE_AGENCIES
from triage.permissions.cases import has_capability
from triage.rules import RISK_LEVELS
from triage.screening import export
from triage.services import screening_list
from triage.services.calendar import current_calendar
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.settings import request_settings

bp = Blueprint("screening", __name__, url_prefix="/screening")

NAV = [("S2S list", "screening.morning_list", "referral.screen")]


def _load(names: bool = False):
    owners = screening_list.owner_choices()
    filters, problems = screening_list.parse_filters(request.args, owners)
    calendar = current_calendar(request_settings().calendar)
    found = screening_list.morning_list(
        current_user, filters, now=request_now(), calendar=calendar, names=names
    )
    return found, filters, problems, owners, calendar


def _context(found, filters, problems, owners) -> dict:
    return {
        "found": found,
        "rows": found.rows,
        "filters": filters,
        "problems": problems,
        "owners": owners,
        "status_choices": screening_list.STATUS_FILTERS,
        "counted": screening_list.COUNTED,
        "risk_levels": RISK_LEVELS,
        "agencies": SOURCE_AGENCIES,
        "query": filters.codes(),
        "has_show": "referral.show" in current_app.view_functions,
        # Every row is a case the reader may see (the query's clause): one capability check.
        "may_record": has_capability(current_user, "offer.record"),
        "active": "screening.morning_list",
    }


@bp.route("/", methods=["GET"])
@requires("referral.screen")
def morning_list():
    found, filters, problems, owners, _calendar = _load()
    return render_template("screening/list.html", **_context(found, filters, problems, owners))


@bp.route("/print", methods=["GET"])
@requires("referral.screen")
def print_view():
    # The morning meeting's sheet names the people (docs/screening.md); the screen does not.
    found, filters, problems, owners, _calendar = _load(names=True)
    screening_list.record_export(
        "print", filters, len(found.rows), actor=current_actor(), now=request_now()
    )
    return render_template("screening/print.html", **_context(found, filters, problems, owners))


@bp.route("/export.csv", methods=["GET"])
@requires("referral.screen")
def export_csv():
    found, filters, _problems, _owners, calendar = _load(names=True)
    screening_list.record_export(
        "csv", filters, len(found.rows), actor=current_actor(), now=request_now()
    )
    day = calendar.local_date(request_now()).isoformat()
    return Response(
        export.render(found.rows, calendar),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="s2s-morning-list-{day}.csv"',
            "Cache-Control": "no-store",
        },
    )
