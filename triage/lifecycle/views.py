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
from triage.web.lookup import get_or_404
from triage.web.rate_limits import export_limit
from triage.web.settings import request_settings
from triage.web.transaction import attempt

bp = Blueprint("lifecycle", __name__)

NAV = [("Subject access", "lifecycle.subject_access", "audit.view")]


def _referral_or_404(referral_id: int, capability: str) -> Referral:
    g.denied_capability = capability  # recorded with the refusal, if there is one
    return get_or_404(Referral, referral_id, object_type="referral", capability=capability)


@bp.route("/referrals/<int:referral_id>/close", methods=["GET", "POST"])
@requires("referral.screen")
def close(referral_id: int):
    referral = _referral_or_404(referral_id, "referral.screen")
    form = CloseReferralForm()
    if referral.status != "closed" and form.validate_on_submit():
        _closed, problem = attempt(
            lifecycle.close_referral,
            referral.id,
            reason=form.reason.data,
            actor=current_actor(),
            now=utcnow(),
            years=request_settings().retention_years,
            refusals=(lifecycle.LifecycleError,),
        )
        if problem is not None:
            form.reason.errors = [str(problem)]
        else:
            flash(
                f"Referral {referral.reference} closed. It is kept until "
                f"{referral.retention_until:%d %B %Y}, then erased.",
                "success",
            )
            return redirect(url_for("lifecycle.close", referral_id=referral.id))
    status = 400 if form.errors else 200
    return (
        render_template(
            "lifecycle/close.html", referral=referral, form=form, active="lifecycle.close"
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
