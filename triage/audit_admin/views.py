"""Audit pages for administrators (capability `audit.view`): a referral's audit history and
the verification of the whole chain. Looking at a history is itself audited."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for

from triage.audit_admin.forms import ReferenceSearchForm, VerifyForm, referral_id_from_reference
from triage.auth.decorators import requires
from triage.extensions import db
from triage.services import audit, audit_checkpoint, audit_history
from triage.timeutil import utcnow
from triage.web.actor import current_actor
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
    history = audit_history.referral_history(referral_id)
    if history is None:
        abort(404)
    audit.record(
        "audit.view",
        current_actor(),
        object_type="referral",
        object_id=referral_id,
        details={"reference": history.reference, "events": len(history.events)},
        now=utcnow(),
    )
    db.session.commit()
    return render_template("audit/referral.html", history=history, active="audit_admin.index")


@bp.route("/verify", methods=["POST"])
@requires("audit.view")
def verify():
    if not VerifyForm().validate_on_submit():
        abort(400)
    try:
        report = audit_checkpoint.verify_with_checkpoints(request_settings())
    except ValueError:
        db.session.rollback()
        report = None
    audit.record(
        "audit.verify",
        current_actor(),
        details={
            "ok": bool(report and report.ok),
            "first_bad_seq": report.first_bad_seq if report else None,
            "events": report.events if report else None,
            "checkpoint_file_readable": report is not None,
        },
        now=utcnow(),
    )
    db.session.commit()
    return _index(ReferenceSearchForm(formdata=None), verification=report or "unreadable")
