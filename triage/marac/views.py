"""MARAC: meetings, agendas, and the coordinator's changes. Views validate, call one
service function (in `attempt`), and render; the request boundary commits."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from triage.auth.decorators import requires
from triage.marac import forms
from triage.models import MaracAction, MaracListing, MaracMeeting
from triage.models.marac import LISTING_OUTCOMES
from triage.permissions.cases import can
from triage.rules import MARAC_CRITERIA
from triage.services import marac_actions, marac_agenda, marac_listing, marac_meetings
from triage.services.calendar import current_calendar
from triage.services.marac_meetings import MaracError
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.deadlines import enqueue_after_commit
from triage.web.fields import local_instant
from triage.web.lookup import get_or_404
from triage.web.settings import request_settings
from triage.web.template_helpers import london_datetime
from triage.web.transaction import attempt

bp = Blueprint("marac", __name__, url_prefix="/marac")

NAV = [("MARAC", "marac.meetings", "marac.view")]


def _meeting_or_404(meeting_id: int) -> MaracMeeting:
    return get_or_404(MaracMeeting, meeting_id, object_type="marac_meeting")


def _listing_or_404(listing_id: int) -> MaracListing:
    return get_or_404(
        MaracListing, listing_id, object_type="marac_listing", capability="marac.manage"
    )


def _calendar_and_settings() -> dict:
    """The keyword arguments the MARAC services take for the schedule and the calendar."""
    settings = request_settings()
    return {"settings": settings.marac, "calendar": current_calendar(settings.calendar)}


@bp.route("/")
@requires("marac.view")
def meetings():
    now = utcnow()
    rows = marac_agenda.upcoming_meetings(now=now)
    return render_template("marac/meetings.html", rows=rows, now=now, active="marac.meetings")


@bp.route("/meetings/<int:meeting_id>")
@requires("marac.view")
def agenda(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    show_names = can(current_user, "marac.manage")
    now = utcnow()
    result = marac_agenda.open_agenda(
        meeting.id,
        actor=current_actor(),
        now=now,
        calendar=current_calendar(request_settings().calendar),
        show_names=show_names,
        reader=current_user,
    )
    return render_template(
        "marac/agenda.html",
        agenda=result,
        show_names=show_names,
        criteria_labels=MARAC_CRITERIA,
        agencies=marac_actions.ACTION_AGENCIES,
        action_statuses=marac_actions.STATUS_LABELS,
        held_form=forms.HeldForm(),
        minutes_form=forms.MinutesForm(),
        outcome_labels=LISTING_OUTCOMES,
        now=now,
        has_show="referral.show" in current_app.view_functions,
        active="marac.meetings",
    )


@bp.route("/listings/<int:listing_id>/move", methods=["GET", "POST"])
@requires("marac.manage")
def move_listing(listing_id: int):
    listing = _listing_or_404(listing_id)
    if listing.status != marac_meetings.ACTIVE:
        flash("That case is no longer listed at this meeting")
        return redirect(url_for("marac.agenda", meeting_id=listing.meeting_id))
    now = utcnow()
    options = [
        row
        for row in marac_agenda.upcoming_meetings(now=now, include_past_days=0)
        if row.meeting.status == "scheduled" and row.meeting.id != listing.meeting_id
    ]
    form = forms.MoveListingForm()
    form.to_meeting_id.choices = [
        SelectChoice(row.meeting.id, _option_label(row)) for row in options
    ]
    if form.validate_on_submit():
        _moved, problem = attempt(
            marac_listing.move_listing,
            listing.id,
            form.to_meeting_id.data,
            reason=form.reason.data,
            actor=current_actor(),
            now=now,
            refusals=(MaracError,),
        )
        if problem is not None:
            forms.add_service_error(form, problem.field or "to_meeting_id", str(problem))
        else:
            flash(f"Case {listing.referral.reference} moved", "success")
            return redirect(url_for("marac.agenda", meeting_id=listing.meeting_id))
    return render_template(
        "marac/move_listing.html", form=form, listing=listing, active="marac.meetings"
    )


def _option_label(row: marac_agenda.MeetingRow) -> str:
    room = "full" if row.full else f"{row.listed} of {row.meeting.capacity} places taken"
    return f"{london_datetime(row.meeting.starts_at)} ({room})"


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@requires("marac.manage")
def cancel_meeting(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = forms.CancelMeetingForm()
    if form.validate_on_submit():
        relisted, problem = attempt(
            marac_listing.cancel_meeting,
            meeting.id,
            reason=form.reason.data,
            actor=current_actor(),
            now=utcnow(),
            refusals=(MaracError,),
            **_calendar_and_settings(),
        )
        if problem is not None:
            forms.add_service_error(form, problem.field or "reason", str(problem))
        else:
            flash(f"Meeting cancelled; {len(relisted)} cases moved to later meetings", "success")
            return redirect(url_for("marac.meetings"))
    count = marac_meetings.listed_counts([meeting.id]).get(meeting.id, 0)
    return render_template(
        "marac/cancel_meeting.html",
        form=form,
        meeting=meeting,
        count=count,
        active="marac.meetings",
    )


@bp.route("/meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@requires("marac.manage")
def move_meeting(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = forms.MoveMeetingForm()
    if form.validate_on_submit():
        settings = request_settings()
        starts_at = local_instant(form.day.data, form.start_time.data, settings.calendar.timezone)
        _moved, problem = attempt(
            marac_meetings.move_meeting,
            meeting.id,
            starts_at,
            reason=form.reason.data,
            actor=current_actor(),
            now=utcnow(),
            refusals=(MaracError,),
            **_calendar_and_settings(),
        )
        if problem is not None:
            forms.add_service_error(form, problem.field, str(problem))
        else:
            flash("Meeting moved", "success")
            return redirect(url_for("marac.meetings"))
    return render_template(
        "marac/move_meeting.html", form=form, meeting=meeting, active="marac.meetings"
    )


@bp.route("/meetings/new", methods=["GET", "POST"])
@requires("marac.manage")
def add_meeting():
    form = forms.AddMeetingForm()
    if form.validate_on_submit():
        settings = request_settings()
        starts_at = local_instant(form.day.data, form.start_time.data, settings.calendar.timezone)
        _added, problem = attempt(
            marac_meetings.add_meeting,
            starts_at,
            form.capacity.data,
            note=form.note.data,
            actor=current_actor(),
            now=utcnow(),
            refusals=(MaracError,),
            **_calendar_and_settings(),
        )
        if problem is not None:
            forms.add_service_error(form, problem.field, str(problem))
        else:
            flash("Meeting added", "success")
            return redirect(url_for("marac.meetings"))
    if not form.is_submitted():
        marac_settings = request_settings().marac
        form.capacity.data = marac_settings.capacity
        form.start_time.data = marac_settings.start_time.strftime("%H:%M")
    return render_template("marac/add_meeting.html", form=form, active="marac.meetings")


@bp.route("/meetings/<int:meeting_id>/held", methods=["POST"])
@requires("marac.manage")
def mark_held(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = forms.HeldForm()
    if form.validate_on_submit():
        now = utcnow()
        held, problem = attempt(
            marac_actions.mark_held,
            meeting.id,
            actor=current_actor(),
            now=now,
            settings=request_settings(),
            refusals=(MaracError,),
        )
        if problem is not None:
            flash(str(problem))
        else:
            enqueue_after_commit(held.due_action_ids, now=now)
            flash(
                "Meeting recorded as held; its cases are marked as heard. Minutes and IDVA "
                "feedback deadlines are set",
                "success",
            )
    return redirect(url_for("marac.agenda", meeting_id=meeting.id))


@bp.route("/listings/<int:listing_id>/actions/new", methods=["GET", "POST"])
@requires("marac.manage")
def add_action(listing_id: int):
    listing = _listing_or_404(listing_id)
    form = forms.ActionForm()
    form.agency.choices = _choices(marac_actions.ACTION_AGENCIES)
    if form.validate_on_submit():
        _added, problem = attempt(
            marac_actions.add_action,
            listing.id,
            agency=form.agency.data,
            description=form.description.data,
            due_on=form.due_on.data,
            actor=current_actor(),
            now=utcnow(),
            calendar=current_calendar(request_settings().calendar),
            refusals=(MaracError,),
        )
        if problem is not None:
            forms.add_service_error(form, problem.field, str(problem))
        else:
            flash(f"Action added for {listing.referral.reference}", "success")
            return redirect(url_for("marac.case", listing_id=listing.id))
    return render_template(
        "marac/action_form.html",
        form=form,
        listing=listing,
        action=None,
        active="marac.meetings",
    )


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@requires("marac.manage")
def update_action(action_id: int):
    action = get_or_404(
        MaracAction,
        action_id,
        object_type="marac_action",
        capability="marac.manage",
        via=lambda row: row.listing,
    )
    form = forms.ActionStatusForm()
    form.status.choices = _choices(marac_actions.STATUS_LABELS)
    if not form.is_submitted():
        form.status.data = action.status
        form.note.data = action.status_note
    if form.validate_on_submit():
        _updated, problem = attempt(
            marac_actions.update_action,
            action.id,
            status=form.status.data,
            note=form.note.data,
            actor=current_actor(),
            now=utcnow(),
            refusals=(MaracError,),
        )
        if problem is not None:
            forms.add_service_error(form, problem.field, str(problem))
        else:
            flash("Action updated", "success")
            return redirect(url_for("marac.case", listing_id=action.listing_id))
    return render_template(
        "marac/action_form.html",
        form=form,
        listing=action.listing,
        action=action,
        agencies=marac_actions.ACTION_AGENCIES,
        active="marac.meetings",
    )


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


# The agenda's exports and the after-meeting pages register on this blueprint.
from triage.marac import agenda_views  # noqa: E402,F401
