"""MARAC: the agenda for agencies (print view, CSV) and after the meeting (a case's outcome
and actions, minutes sent, IDVA feedback given). Views validate, call one service function
(in `attempt`), and render; the request boundary commits."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from triage.auth.decorators import requires
from triage.marac import forms
from triage.marac.views import bp
from triage.models import MaracListing, MaracMeeting
from triage.models.marac import LISTING_OUTCOMES
from triage.permissions.cases import can
from triage.services import marac_actions, marac_agenda_export, marac_follow_up
from triage.services.calendar import current_calendar
from triage.services.marac_meetings import MaracError
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings
from triage.web.transaction import attempt


def _calendar():
    return current_calendar(request_settings().calendar)


@bp.route("/meetings/<int:meeting_id>/print")
@requires("marac.manage")
def print_agenda(meeting_id: int):
    meeting = get_or_404(MaracMeeting, meeting_id, object_type="marac_meeting")
    result = marac_agenda_export.print_agenda(
        meeting.id,
        actor=current_actor(),
        now=request_now(),
        calendar=_calendar(),
        reader=current_user,
    )
    return render_template(
        "marac/agenda_print.html",
        result=result,
        agenda=result.agenda,
        marking=marac_agenda_export.MARKING,
        agencies=marac_actions.ACTION_AGENCIES,
        active="marac.meetings",
    )


@bp.route("/meetings/<int:meeting_id>/agenda.csv")
@requires("marac.manage")
def export_agenda(meeting_id: int):
    meeting = get_or_404(MaracMeeting, meeting_id, object_type="marac_meeting")
    calendar = _calendar()
    text, _count = marac_agenda_export.export_agenda_csv(
        meeting.id, actor=current_actor(), now=request_now(), calendar=calendar, reader=current_user
    )
    day = calendar.local_date(meeting.starts_at).isoformat()
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="marac-agenda-{day}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _case_listing(listing_id: int) -> MaracListing:
    # marac.view and the case itself: the IDVA of the case may record feedback here.
    return get_or_404(
        MaracListing, listing_id, object_type="marac_listing", capability="marac.view"
    )


def _render_case(listing: MaracListing, outcome_form=None, feedback_form=None):
    manage = can(current_user, "marac.manage")
    if outcome_form is None:
        outcome_form = forms.OutcomeForm()
        outcome_form.outcome.data = listing.outcome
    outcome_form.outcome.choices = [SelectChoice(k, v) for k, v in LISTING_OUTCOMES.items()]
    actions = marac_actions.actions_for(listing.id)
    return render_template(
        "marac/case.html",
        listing=listing,
        actions=actions,
        manage=manage,
        outcome_form=outcome_form,
        feedback_form=feedback_form or forms.FeedbackForm(),
        outcome_labels=LISTING_OUTCOMES,
        agencies=marac_actions.ACTION_AGENCIES,
        action_statuses=marac_actions.STATUS_LABELS,
        active="marac.meetings",
    )


@bp.route("/listings/<int:listing_id>")
@requires("marac.view")
def case(listing_id: int):
    return _render_case(_case_listing(listing_id))


@bp.route("/listings/<int:listing_id>/outcome", methods=["POST"])
@requires("marac.manage")
def record_outcome(listing_id: int):
    listing = get_or_404(
        MaracListing, listing_id, object_type="marac_listing", capability="marac.manage"
    )
    form = forms.OutcomeForm()
    form.outcome.choices = [SelectChoice(k, v) for k, v in LISTING_OUTCOMES.items()]
    if form.validate_on_submit():
        _saved, problem = attempt(
            marac_actions.record_outcome,
            listing.id,
            outcome=form.outcome.data,
            actor=current_actor(),
            now=request_now(),
            calendar=_calendar(),
            refusals=(MaracError,),
        )
        if problem is None:
            flash(f"Outcome recorded for {listing.referral.reference}", "success")
            return redirect(url_for("marac.case", listing_id=listing.id))
        forms.add_service_error(form, problem.field or "outcome", str(problem))
    return _render_case(listing, outcome_form=form), 400


@bp.route("/listings/<int:listing_id>/feedback", methods=["POST"])
@requires("marac.view")
def record_feedback(listing_id: int):
    listing = _case_listing(listing_id)
    form = forms.FeedbackForm()
    if form.validate_on_submit():
        _saved, problem = attempt(
            marac_follow_up.record_feedback_given,
            listing.id,
            actor=current_actor(),
            now=request_now(),
            refusals=(MaracError,),
        )
        if problem is not None:
            flash(str(problem))
        else:
            flash("Feedback to the victim recorded", "success")
    return redirect(url_for("marac.case", listing_id=listing.id))


@bp.route("/meetings/<int:meeting_id>/minutes-sent", methods=["POST"])
@requires("marac.manage")
def record_minutes(meeting_id: int):
    meeting = get_or_404(MaracMeeting, meeting_id, object_type="marac_meeting")
    form = forms.MinutesForm()
    if form.validate_on_submit():
        _saved, problem = attempt(
            marac_follow_up.record_minutes_sent,
            meeting.id,
            actor=current_actor(),
            now=request_now(),
            refusals=(MaracError,),
        )
        if problem is not None:
            flash(str(problem))
        else:
            flash("Minutes and actions recorded as sent", "success")
    return redirect(url_for("marac.agenda", meeting_id=meeting.id))
