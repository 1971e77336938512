"""The S2S morning list: referrals still waiting for a support offer, by due time.

Filters travel as short codes in the query string (never names or other personal data).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from triage.auth.decorators import requires
from triage.models.referral import SOURCE_AGENCIES
from triage.rules import RISK_LEVELS
from triage.services import screening_list
from triage.services.calendar import current_calendar
from triage.timeutil import utcnow
from triage.web.settings import request_settings

bp = Blueprint("screening", __name__, url_prefix="/screening")

NAV = [("S2S list", "screening.morning_list", "referral.screen")]


@bp.route("/", methods=["GET"])
@requires("referral.screen")
def morning_list():
    filters, problems = screening_list.parse_filters(request.args)
    now = utcnow()
    calendar = current_calendar(request_settings().calendar)
    rows = screening_list.waiting(current_user, filters, now=now, calendar=calendar)
    return render_template(
        "screening/list.html",
        rows=rows,
        filters=filters,
        problems=problems,
        now=now,
        due_choices=screening_list.DUE_FILTERS,
        risk_levels=RISK_LEVELS,
        agencies=SOURCE_AGENCIES,
        has_show="referral.show" in current_app.view_functions,
        active="screening.morning_list",
    )
