""" "My cases" and case search. Both only ever list cases the reader may open
(`visible_referrals_clause`, applied in the services)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from triage.auth.decorators import requires
from triage.cases.forms import SearchForm
from triage.services import case_search, caseload
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.transaction import attempt

bp = Blueprint("cases", __name__, url_prefix="/cases")

NAV = [
    ("My cases", "cases.mine", "caseload.view"),
    ("Search", "cases.search", "referral.search"),
]


@bp.route("/", methods=["GET"])
@requires("caseload.view")
def mine():
    page = request.args.get("page", default=1, type=int) or 1
    result = caseload.my_cases(current_user, now=request_now(), page=max(1, min(page, 10_000)))
    return render_template(
        "cases/my_cases.html",
        result=result,
        has_show="referral.show" in current_app.view_functions,
        active="cases.mine",
    )


@bp.route("/search", methods=["GET", "POST"])
@requires("referral.search")
def search():
    # POSTed, and the results rendered in reply (no redirect): the text never enters a URL.
    form = SearchForm()
    result = None
    if form.validate_on_submit():
        result, problem = attempt(
            case_search.search,
            form.kind.data,
            form.q.data,
            user=current_user,
            actor=current_actor(),
            now=request_now(),
            refusals=(case_search.SearchInvalid,),
        )
        if problem is not None:
            field = form.kind if str(problem).startswith("Search by") else form.q
            field.errors = [str(problem)]
    status = 400 if form.errors else 200
    return (
        render_template(
            "cases/search.html",
            form=form,
            result=result,
            has_show="referral.show" in current_app.view_functions,
            active="cases.search",
        ),
        status,
    )
