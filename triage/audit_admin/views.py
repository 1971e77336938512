"""Audit pages for administrators (capability `audit.view`): a referral's audit history and
the verification of the whole chain. Looking at a history is itself audited."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from triage.audit_admin.forms import ReferenceSearchForm, VerifyForm, referral_id_from_reference
from triage.auth.decorators import requires
from triage.models import Referral
from triage.services import audit_checkpoint, audit_history, audit_verification
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings

bp = Blueprint("audit_admin", __name__, url_prefix="/admin/audit")

NAV = [("Audit", "audit_admin.index", "audit.view")]


def _index(search: ReferenceSearchForm, verification=None, status: int = 200):
    return (
        render_template(
            "audit/index.html",
            search_form=search,
            form=search,
            verify_form=VerifyForm(),
            verification=verification,
            checkpoint=audit_checkpoint.last_checkpoint(),
            active="audit_admin.index",
        ),
        status,
    )


@bp.route("/")
@requires("audit.view")
def index():
    return _index(ReferenceSearchForm())


@bp.route("/search", methods=["POST"])
@requires("audit.view")
def search():
    form = ReferenceSearchForm()
    if not form.validate_on_submit():
        return _index(form, status=400)
    referral_id = referral_id_from_reference(form.reference.data)
    if not audit_history.referral_exists(referral_id):
        form.reference.errors = ["No referral has that reference"]
        return _index(form, status=404)
    return redirect(url_for("audit_admin.referral", referral_id=referral_id))


@bp.route("/referral/<int:referral_id>")
@requires("audit.view")
def referral(referral_id: int):
    case = get_or_404(Referral, referral_id, object_type="referral")
    history = audit_history.referral_history(case, current_actor(), now=request_now())
    return render_template("audit/referral.html", history=history, active="audit_admin.index")


@bp.route("/verify", methods=["POST"])
@requires("audit.view")
def verify():
    if not VerifyForm().validate_on_submit():
        abort(400)
    report = audit_verification.verify_trail(current_actor(), request_settings(), now=request_now())
    return _index(ReferenceSearchForm(formdata=None), verification=report or "unreadable")
