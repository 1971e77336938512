""" "My cases" and case search. Both only ever list cases the reader may open
(`visible_referrals_clause`, applied in the services)."""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote

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

# A request line's path and query; the query is dropped when it is a search's, or a sign-in
# redirect carrying a search in its `next` (a session that timed out on the search page).
_PATH_AND_QUERY = re.compile(r"(\S*?)\?(\S*)")


def _without_search_text(text: str) -> str:
    def strip(match: re.Match) -> str:
        path, query = match.group(1), match.group(2)
        if "/cases/search" in path or "/cases/search" in unquote(query):
            return f"{path}?…"
        return match.group(0)

    return _PATH_AND_QUERY.sub(strip, text)


class _DropSearchText(logging.Filter):
    """Access-log lines (the development server's) never carry the search text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                _without_search_text(a) if isinstance(a, str) else a for a in record.args
            )
        if isinstance(record.msg, str):
            record.msg = _without_search_text(record.msg)
        return True


SEARCH_LOG_FILTER = _DropSearchText()


@bp.record_once
def _quiet_access_log(_state) -> None:
    logger = logging.getLogger("werkzeug")
    if SEARCH_LOG_FILTER not in logger.filters:
        logger.addFilter(SEARCH_LOG_FILTER)


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


@bp.route("/search", methods=["GET"])
@requires("referral.search")
def search():
    form = SearchForm(request.args, meta={"csrf": False})
    result = None
    searched = "kind" in request.args or "q" in request.args
    if searched and form.validate():
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
