"""Close a referral (starting its retention period) and download a subject-access export.

The "Close referral" button on the referral page links here; the object-level check goes
through `triage.permissions.cases.can`, and a refusal is a 404 that the error handler audits.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, flash, g, redirect, render_template, url_for

from triage.auth.decorators import requires
from triage.lifecycle.forms import CloseReferralForm, SubjectAccessForm
from triage.models import Referral
from triage.services import lifecycle
from triage.services.subject_access import export_person
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.lookup import get_or_404
from triage.web.rate_limits import export_limit
from triage.web.settings import request_settings
from triage.web.transaction import attempt

bp = Blueprint("lifecycle", __name__)

NAV = [("Subject access", "lifecycle.subject_access", "audit.view")]


@bp.app_context_processor
def _closure_labels() -> dict:
    # Every page that shows a closed case (referral page, lists) names its reason the same way.
    return {"closure_reasons": lifecycle.CLOSURE_REASONS}


def _referral_or_404(referral_id: int, capability: str) -> Referral:
    g.denied_capability = capability  # recorded with the refusal, if there is one
    return get_or_404(Referral, referral_id, object_type="referral", capability=capability)


@bp.route("/referrals/<int:referral_id>/close", methods=["GET", "POST"])
@requires("referral.screen")
def close(referral_id: int):
    """Reason form, then a confirmation page, then the close itself (or the refusal)."""
    referral = _referral_or_404(referral_id, "referral.screen")
    form = CloseReferralForm()
    actor = current_actor()
    blockers = lifecycle.close_blockers(referral.id) if referral.status != "closed" else None
    may_override = lifecycle.may_override(actor)
    page = "lifecycle/close.html"
    if blockers and not may_override:
        page = "lifecycle/close_refused.html"
    elif referral.status != "closed" and form.validate_on_submit():
        if form.confirmed.data != "yes":
            page = "lifecycle/close_confirm.html"
        else:
            _closed, problem = attempt(
                lifecycle.close_referral,
                referral.id,
                reason=form.reason.data,
                detail=form.detail.data,
                override=bool(blockers),
                actor=actor,
                now=request_now(),
                years=request_settings().retention_years,
                refusals=(lifecycle.LifecycleError,),
            )
            if isinstance(problem, lifecycle.CloseRefused):
                blockers, page = problem.blockers, "lifecycle/close_refused.html"
            elif problem is not None:
                form.reason.errors = [str(problem)]
            else:
                flash(f"Case {referral.reference} closed.", "success")
                return redirect(url_for("referral.show", referral_id=referral.id))
    status = 400 if form.errors else 200
    return (
        render_template(
            page,
            referral=referral,
            form=form,
            blockers=blockers,
            may_override=may_override,
            reasons=lifecycle.CLOSURE_REASONS,
            active="lifecycle.close",
        ),
        status,
    )


@bp.route("/admin/subject-access", methods=["GET", "POST"])
@requires("audit.view")
@export_limit(methods=["POST"])
def subject_access():
    form = SubjectAccessForm()
    if form.validate_on_submit():
        data, problem = attempt(
            export_person,
            form.person_id.data,
            actor=current_actor(),
            now=utcnow(),
            refusals=(lifecycle.LifecycleError,),
        )
        if problem is not None:
            form.person_id.errors = [str(problem)]
        else:
            body = json.dumps(data, indent=2, ensure_ascii=False)
            return Response(
                body,
                mimetype="application/json",
                headers={
                    "Content-Disposition": (
                        f'attachment; filename="subject-access-{form.person_id.data}.json"'
                    ),
                    "Cache-Control": "no-store",
                },
            )
    status = 400 if form.errors else 200
    return (
        render_template(
            "lifecycle/subject_access.html", form=form, active="lifecycle.subject_access"
        ),
        status,
    )
