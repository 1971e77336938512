"""The screening team's "possible earlier referral" tasks: a list, and one task's page where
the screener compares what each case recorded and links the referral or dismisses the match.

Views stay thin: the service resolves and audits; the request boundary commits.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from triage.auth.decorators import requires
from triage.models import PossibleMatch
from triage.services import possible_matches as match_tasks
from triage.services.person_details import Viewer, recorded_elsewhere
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings
from triage.web.template_helpers import london_datetime
from triage.web.transaction import attempt

bp = Blueprint("people", __name__, url_prefix="/people")

NAV = [("Earlier referrals", "people.possible_matches", "referral.screen")]


@bp.route("/possible-earlier-referrals")
@requires("referral.screen")
def possible_matches():
    return render_template(
        "people/possible_matches.html",
        tasks=match_tasks.open_tasks(),
        active="people.possible_matches",
    )


@bp.route("/possible-earlier-referrals/<int:task_id>", methods=["GET", "POST"])
@requires("referral.screen")
def possible_match(task_id: int):
    task = get_or_404(
        PossibleMatch,
        task_id,
        object_type="possible_match",
        capability="referral.screen",
        via=lambda row: row.referral,
    )
    error = None
    if request.method == "POST" and task.status == "open":
        outcome = request.form.get("outcome", "")
        resolved, refusal = attempt(
            match_tasks.resolve,
            task.id,
            outcome,
            actor=current_actor(),
            now=utcnow(),
            settings=request_settings(),
            refusals=(match_tasks.MatchTaskError,),
        )
        if refusal is None:
            flash(_checked_message(task.referral.reference, resolved), "success")
            return redirect(url_for("people.possible_matches"))
        error = str(refusal)
    earlier = recorded_elsewhere(task.person_id, Viewer(current_user), besides=task.referral_id)
    return render_template(
        "people/possible_match.html",
        task=task,
        recorded_here=task.referral.details_for(task.role),
        earlier=earlier,
        error=error,
        active="people.possible_matches",
    ), (400 if error else 200)


def _checked_message(reference: str, resolved: match_tasks.Resolved) -> str:
    """What the screener is told: for a link, what the re-assessment found."""
    message = f"Possible earlier referral for {reference} checked."
    found = resolved.reassessed
    if found is None:
        return message
    if found.listing is not None:
        when = london_datetime(found.listing.meeting.starts_at)
        return f"{message} Re-assessed: it now meets the MARAC criteria and is listed for {when}."
    if found.changed:
        return f"{message} Re-assessed with the earlier referrals: the assessment changed."
    return f"{message} Re-assessed with the earlier referrals: no change."
