"""MARAC: meetings, agendas, and the coordinator's changes. Views validate, call one
service function, commit once, and render."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, url_for
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from triage.auth.decorators import requires
from triage.extensions import db
from triage.marac import forms
from triage.models import MaracAction, MaracListing, MaracMeeting
from triage.offers.forms import local_instant
from triage.permissions.cases import can
from triage.rules import MARAC_CRITERIA
from triage.services import audit, marac, marac_actions
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.template_helpers import london_datetime

bp = Blueprint("marac", __name__, url_prefix="/marac")

NAV = [("MARAC", "marac.meetings", "marac.view")]


def _meeting_or_404(meeting_id: int) -> MaracMeeting:
    meeting = db.session.get(MaracMeeting, meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def _listing_or_404(listing_id: int) -> MaracListing:
    listing = db.session.get(MaracListing, listing_id)
    if listing is None or not can(current_user, "marac.manage", listing):
        g.denied_object_type = "marac_listing"
        g.denied_object_id = listing_id
        abort(404)
    return listing


@bp.route("/")
@requires("marac.view")
def meetings():
    rows = marac.upcoming_meetings(now=utcnow())
    return render_template("marac/meetings.html", rows=rows, now=utcnow(), active="marac.meetings")


@bp.route("/meetings/<int:meeting_id>")
@requires("marac.view")
def agenda(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    show_names = can(current_user, "marac.manage")
    result = marac.agenda(meeting.id, show_names=show_names)
    # The agenda is a disclosure of listed cases: who saw it (and whether with names).
    audit.record(
        "marac.agenda.view",
        current_actor(),
        object_type="marac_meeting",
        object_id=meeting.id,
        details={"cases": result.case_count, "names": show_names},
    )
    db.session.commit()
    return render_template(
        "marac/agenda.html",
        agenda=result,
        show_names=show_names,
        criteria_labels=MARAC_CRITERIA,
        agencies=marac_actions.ACTION_AGENCIES,
        action_statuses=marac_actions.STATUS_LABELS,
        held_form=forms.HeldForm(),
        now=utcnow(),
        has_show="referral.show" in current_app.view_functions,
        active="marac.meetings",
    )


@bp.route("/listings/<int:listing_id>/move", methods=["GET", "POST"])
@requires("marac.manage")
def move_listing(listing_id: int):
    listing = _listing_or_404(listing_id)
    if listing.status != marac.ACTIVE:
        flash("That case is no longer listed at this meeting")
        return redirect(url_for("marac.agenda", meeting_id=listing.meeting_id))
    now = utcnow()
    options = [
        row
        for row in marac.upcoming_meetings(now=now, include_past_days=0)
        if row.meeting.status == "scheduled" and row.meeting.id != listing.meeting_id
    ]
    form = forms.MoveListingForm()
    form.to_meeting_id.choices = [
        SelectChoice(row.meeting.id, _option_label(row)) for row in options
    ]
    if form.validate_on_submit():
        try:
            marac.move_listing(
                listing.id,
                form.to_meeting_id.data,
                reason=form.reason.data,
                actor=current_actor(),
                now=now,
            )
        except marac.MaracError as problem:
            db.session.rollback()
            forms.add_service_error(form, problem.field or "to_meeting_id", str(problem))
        else:
            db.session.commit()
            flash(f"Case {listing.referral.reference} moved", "success")
            return redirect(url_for("marac.agenda", meeting_id=listing.meeting_id))
    return render_template(
        "marac/move_listing.html", form=form, listing=listing, active="marac.meetings"
    )


def _option_label(row: marac.MeetingRow) -> str:
    room = "full" if row.full else f"{row.listed} of {row.meeting.capacity} places taken"
    return f"{london_datetime(row.meeting.starts_at)} ({room})"


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"])
@requires("marac.manage")
def cancel_meeting(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = forms.CancelMeetingForm()
    if form.validate_on_submit():
        try:
            relisted = marac.cancel_meeting(
                meeting.id, reason=form.reason.data, actor=current_actor(), now=utcnow()
            )
        except marac.MaracError as problem:
            db.session.rollback()
            forms.add_service_error(form, problem.field or "reason", str(problem))
        else:
            db.session.commit()
            flash(f"Meeting cancelled; {len(relisted)} cases moved to later meetings", "success")
            return redirect(url_for("marac.meetings"))
    count = marac.listed_counts([meeting.id]).get(meeting.id, 0)
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
        starts_at = local_instant(
            form.day.data, form.start_time.data, current_app.config["TIMEZONE"]
        )
        try:
            marac.move_meeting(
                meeting.id, starts_at, reason=form.reason.data, actor=current_actor(), now=utcnow()
            )
        except marac.MaracError as problem:
            db.session.rollback()
            forms.add_service_error(form, problem.field, str(problem))
        else:
            db.session.commit()
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
        starts_at = local_instant(
            form.day.data, form.start_time.data, current_app.config["TIMEZONE"]
        )
        try:
            marac.add_meeting(
                starts_at,
                form.capacity.data,
                note=form.note.data,
                actor=current_actor(),
                now=utcnow(),
            )
        except marac.MaracError as problem:
            db.session.rollback()
            forms.add_service_error(form, problem.field, str(problem))
        else:
            db.session.commit()
            flash("Meeting added", "success")
            return redirect(url_for("marac.meetings"))
    if not form.is_submitted():
        form.capacity.data = current_app.config["MARAC_CAPACITY"]
        form.start_time.data = current_app.config["MARAC_TIME"]
    return render_template("marac/add_meeting.html", form=form, active="marac.meetings")


@bp.route("/meetings/<int:meeting_id>/held", methods=["POST"])
@requires("marac.manage")
def mark_held(meeting_id: int):
    meeting = _meeting_or_404(meeting_id)
    form = forms.HeldForm()
    if form.validate_on_submit():
        try:
            marac_actions.mark_held(meeting.id, actor=current_actor(), now=utcnow())
        except marac.MaracError as problem:
            db.session.rollback()
            flash(str(problem))
        else:
            db.session.commit()
            flash("Meeting recorded as held; its cases are marked as heard", "success")
    return redirect(url_for("marac.agenda", meeting_id=meeting.id))


@bp.route("/listings/<int:listing_id>/actions/new", methods=["GET", "POST"])
@requires("marac.manage")
def add_action(listing_id: int):
    listing = _listing_or_404(listing_id)
    form = forms.ActionForm()
    form.agency.choices = _choices(marac_actions.ACTION_AGENCIES)
    if form.validate_on_submit():
        try:
            marac_actions.add_action(
                listing.id,
                agency=form.agency.data,
                description=form.description.data,
                due_on=form.due_on.data,
                actor=current_actor(),
                now=utcnow(),
            )
        except marac.MaracError as problem:
            db.session.rollback()
            forms.add_service_error(form, problem.field, str(problem))
        else:
            db.session.commit()
            flash(f"Action added for {listing.referral.reference}", "success")
            return redirect(url_for("marac.agenda", meeting_id=listing.meeting_id))
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
    action = db.session.get(MaracAction, action_id)
    if action is None or not can(current_user, "marac.manage", action.listing):
        g.denied_object_type = "marac_action"
        g.denied_object_id = action_id
        abort(404)
    form = forms.ActionStatusForm()
    form.status.choices = _choices(marac_actions.STATUS_LABELS)
    if not form.is_submitted():
        form.status.data = action.status
        form.note.data = action.status_note
    if form.validate_on_submit():
        try:
            marac_actions.update_action(
                action.id,
                status=form.status.data,
                note=form.note.data,
                actor=current_actor(),
                now=utcnow(),
            )
        except marac.MaracError as problem:
            db.session.rollback()
            forms.add_service_error(form, problem.field, str(problem))
        else:
            db.session.commit()
            flash("Action updated", "success")
            return redirect(url_for("marac.agenda", meeting_id=action.listing.meeting_id))
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
