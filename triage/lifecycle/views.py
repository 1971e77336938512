"""Close a referral (starting its retention period) and download a subject-access export.

The "Close referral" button on the referral page links here; the object-level check goes
through `triage.permissions.cases.can`, and a refusal is a 404 that the error handler audits.
"""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user

from triage.auth.decorators import requires
from triage.extensions import db
from triage.lifecycle.forms import CloseReferralForm, SubjectAccessForm
from triage.models import Referral
from triage.permissions.cases import can
from triage.services import lifecycle
from triage.timeutil import utcnow
from triage.web.actor import current_actor

bp = Blueprint("lifecycle", __name__)

NAV = [("Subject access", "lifecycle.subject_access", "audit.view")]


def _referral_or_404(referral_id: int, capability: str) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None or not can(current_user, capability, referral):
        g.denied_object_type, g.denied_object_id = "referral", referral_id
        g.denied_capability = capability
        abort(404)
    return referral


@bp.route("/referrals/<int:referral_id>/close", methods=["GET", "POST"])
@requires("referral.screen")
def close(referral_id: int):
    referral = _referral_or_404(referral_id, "referral.screen")
    form = CloseReferralForm()
    if referral.status != "closed" and form.validate_on_submit():
        try:
            lifecycle.close_referral(
                referral.id, reason=form.reason.data, actor=current_actor(), now=utcnow()
            )
        except lifecycle.LifecycleError as exc:
            db.session.rollback()
            form.reason.errors = [str(exc)]
        else:
            db.session.commit()
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
def subject_access():
    form = SubjectAccessForm()
    if form.validate_on_submit():
        try:
            data = lifecycle.export_person(form.person_id.data, actor=current_actor(), now=utcnow())
        except lifecycle.LifecycleError as exc:
            db.session.rollback()
            form.person_id.errors = [str(exc)]
        else:
            db.session.commit()
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
