"""Recording a screening decision on a referral (route, owner, agencies, notes, raising the
risk by professional judgement). Thin: the service validates, writes and audits; the request
boundary commits. A decision based on an older version is refused (`StaleDecision`): the page
shows the newer decision beside the screener's own entries, which stay in the form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for

from triage.auth.decorators import requires
from triage.models import Referral, ScreeningDecision
from triage.models.referral import SOURCE_AGENCIES
from triage.screening.decision_forms import DecisionForm
from triage.services import screening_decisions
from triage.services.referral_summary import record_view
from triage.services.screening_decisions import DecisionInvalid, StaleDecision
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.deadlines import enqueue_after_commit
from triage.web.lookup import get_or_404
from triage.web.transaction import attempt

bp = Blueprint("decisions", __name__)


def _prefill(form: DecisionForm, current: ScreeningDecision | None) -> None:
    """A revision starts from the decision in force (never from the risk raise)."""
    if current is None:
        return
    form.route.data = current.route
    form.owner_id.data = str(current.owner_id)
    form.signpost_to.data = current.signpost_to
    form.no_action_reason.data = current.no_action_reason
    form.agencies.data = list(current.agencies)
    form.notes.data = current.notes


@bp.route("/referrals/<int:referral_id>/screening", methods=["GET", "POST"])
@requires("referral.screen")
def decide(referral_id: int):
    referral = get_or_404(
        Referral, referral_id, object_type="referral", capability="referral.screen"
    )
    form = DecisionForm()
    form.set_owners(screening_decisions.owner_choices())
    stale: StaleDecision | None = None
    if request.method == "GET":
        record_view(
            referral,
            actor=current_actor(),
            now=request_now(),
            details={"reference": referral.reference, "page": "screening_decision"},
        )
        current = screening_decisions.current_decision(referral.id)
        form.based_on_version.data = str(current.version if current else 0)
        _prefill(form, current)
    elif form.validate_on_submit():
        decided, refusal = attempt(
            screening_decisions.decide,
            referral.id,
            form.to_input(),
            actor=current_actor(),
            now=request_now(),
            refusals=(DecisionInvalid, StaleDecision),
        )
        if isinstance(refusal, StaleDecision):
            stale = refusal  # saving again now is a deliberate revision of the newer one
            form.based_on_version.raw_data = [str(stale.current_version)]
            form.based_on_version.data = str(stale.current_version)
        elif isinstance(refusal, DecisionInvalid):
            form.add_errors(refusal.errors)
        elif decided is not None:
            enqueue_after_commit(decided.due_action_ids, now=request_now())
            flash(
                f"Decision version {decided.decision.version} saved for {referral.reference}",
                "success",
            )
            return redirect(url_for("referral.show", referral_id=referral.id))
    return render_template(
        "screening/decide.html",
        form=form,
        referral=referral,
        stale=stale,
        agencies=SOURCE_AGENCIES,
        judged=bool((referral.answers or {}).get("professional_judgement")),
        active=None,
    ), (409 if stale else 200)
