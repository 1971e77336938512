"""Record a support offer on a referral. Object-level access: a referral the user may not
record an offer on is answered like an unknown one (404), and the refusal is audited."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from triage.auth.decorators import requires
from triage.models import Referral
from triage.offers.forms import OfferForm
from triage.permissions.cases import can
from triage.services import offers
from triage.services.calendar import current_calendar
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings
from triage.web.transaction import attempt

bp = Blueprint("offers", __name__)


@bp.route("/referrals/<int:referral_id>/offer", methods=["GET", "POST"])
@requires("offer.record")
def record(referral_id: int):
    referral = get_or_404(Referral, referral_id, object_type="referral", capability="offer.record")
    form = OfferForm()
    if form.validate_on_submit():
        _offer, problem = attempt(
            offers.record_offer,
            referral.id,
            made_at=form.made_at(request_settings().calendar.timezone),
            method=form.method.data,
            outcome=form.outcome.data,
            notes=form.notes.data,
            late_reason=form.late_reason.data,
            late_reason_detail=form.late_reason_detail.data,
            actor=current_actor(),
            now=utcnow(),
            calendar=current_calendar(request_settings().calendar),
            refusals=(offers.OfferError,),
        )
        if problem is not None:
            form.add_errors(problem.errors)
        else:
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
