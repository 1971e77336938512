"""Record a contact with the victim on a referral: an attempt or an offer. Object-level
access: a referral the user may not record a contact on is answered like an unknown one
(404), and the refusal is audited."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from triage.auth.decorators import requires
from triage.models import Referral
from triage.offers.contacts import contact_rows, contact_status
from triage.offers.forms import ContactForm
from triage.permissions.cases import can
from triage.services import offers
from triage.services.calendar import current_calendar
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings
from triage.web.transaction import attempt

bp = Blueprint("offers", __name__)
bp.add_app_template_global(contact_rows, "contact_rows")
bp.add_app_template_global(contact_status, "contact_status")


@bp.route("/referrals/<int:referral_id>/contact", methods=["GET", "POST"])
@requires("offer.record")
def record(referral_id: int):
    referral = get_or_404(Referral, referral_id, object_type="referral", capability="offer.record")
    form = ContactForm()
    if form.validate_on_submit():
        contact, problem = attempt(
            offers.record_contact,
            referral.id,
            made_at=form.made_at(request_settings().calendar.timezone),
            method=form.method.data,
            outcome=form.outcome.data,
            notes=form.notes.data,
            late_reason=form.late_reason.data,
            late_reason_detail=form.late_reason_detail.data,
            actor=current_actor(),
            now=request_now(),
            calendar=current_calendar(request_settings().calendar),
            refusals=(offers.OfferError,),
        )
        if problem is not None:
            form.add_errors(problem.errors)
        else:
            flash(_done_message(referral, contact), "success")
            if "referral.show" in current_app.view_functions and can(
                current_user, "referral.view", referral
            ):
                return redirect(url_for("referral.show", referral_id=referral.id))
            return redirect(url_for("screening.morning_list"))
    return render_template(
        "offers/record.html",
        form=form,
        referral=referral,
        contacts=contact_rows(referral),
        offer_outcomes=offers.OFFER_OUTCOMES,
        attempt_outcomes=offers.ATTEMPT_OUTCOMES,
        active=None,
    )


def _done_message(referral: Referral, contact) -> str:
    if offers.is_offer(contact.outcome):
        return f"Offer recorded for {referral.reference}: it has left the morning list"
    count = offers.attempt_count(referral)
    return (
        f"Attempt recorded for {referral.reference} (attempted \N{MULTIPLICATION SIGN}{count}): "
        "it stays on the morning list until an offer reaches the victim"
    )
