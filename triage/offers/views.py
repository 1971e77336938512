"""Record a support offer on a referral. Object-level access: a referral the user may not
record an offer on is answered like an unknown one (404), and the refusal is audited."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user

from triage.auth.decorators import requires
from triage.extensions import db
from triage.models import Referral
from triage.offers.forms import OfferForm
from triage.permissions.cases import can
from triage.services import offers
from triage.timeutil import utcnow
from triage.web.actor import current_actor

bp = Blueprint("offers", __name__)


def _referral_or_404(referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None or not can(current_user, "offer.record", referral):
        g.denied_object_type = "referral"
        g.denied_object_id = referral_id
        abort(404)
    return referral


@bp.route("/referrals/<int:referral_id>/offer", methods=["GET", "POST"])
@requires("offer.record")
def record(referral_id: int):
    referral = _referral_or_404(referral_id)
    form = OfferForm()
    if form.validate_on_submit():
        try:
            offers.record_offer(
                referral.id,
                made_at=form.made_at(current_app.config["TIMEZONE"]),
                method=form.method.data,
                outcome=form.outcome.data,
                notes=form.notes.data,
                late_reason=form.late_reason.data,
                late_reason_detail=form.late_reason_detail.data,
                actor=current_actor(),
                now=utcnow(),
            )
        except offers.OfferError as problem:
            db.session.rollback()
            form.add_errors(problem.errors)
        else:
            db.session.commit()
            flash(f"Offer recorded for {referral.reference}", "success")
            if "referral.show" in current_app.view_functions and can(
                current_user, "referral.view", referral
            ):
                return redirect(url_for("referral.show", referral_id=referral.id))
            return redirect(url_for("screening.morning_list"))
    return render_template(
        "offers/record.html",
        form=form,
        referral=referral,
        late_reasons=offers.LATE_REASONS,
        previous=list(referral.offers),
        methods=offers.METHODS,
        outcomes=offers.OUTCOMES,
        on_time=lambda offer: offers.is_on_time(offer, referral),
        active=None,
    )
