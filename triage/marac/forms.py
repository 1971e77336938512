"""Coordinator forms: move a listing, cancel / move / add a meeting. Fields listed explicitly."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from triage.web.fields import DayMonthYearField, date_field, time_field
from triage.web.text_checks import free_text

REASON_MAX = 500


def _reason(label: str, message: str) -> TextAreaField:
    return TextAreaField(
        label,
        widget=GovTextArea(),
        validators=[InputRequired(message), *free_text(REASON_MAX, "The reason", multiline=True)],
        description=(
            "Agencies see this reason, so do not include names or addresses. "
            "It is kept with the meeting or the case, not in the audit trail."
        ),
    )


class MoveListingForm(FlaskForm):
    to_meeting_id = RadioField(
        "Which meeting should hear this case?",
        coerce=int,
        widget=GovRadioInput(),
        validators=[InputRequired("Select the meeting to move the case to")],
    )
    reason = _reason("Why are you moving this case?", "Enter the reason for moving the case")
    submit = SubmitField("Move case", widget=GovSubmitInput())


class CancelMeetingForm(FlaskForm):
    reason = _reason("Why is the meeting cancelled?", "Enter the reason for cancelling")
    submit = SubmitField("Cancel meeting and move its cases", widget=GovSubmitInput())


class _When(FlaskForm):
    day = date_field("Date", "Enter the date of the meeting")
    start_time = time_field("Start time", "Enter the start time", example="10:00")


class MoveMeetingForm(_When):
    reason = _reason("Why is the meeting moving?", "Enter the reason for moving the meeting")
    submit = SubmitField("Move meeting", widget=GovSubmitInput())


class AddMeetingForm(_When):
    capacity = IntegerField(
        "How many cases can it hear?",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter the number of cases"),
            NumberRange(min=1, max=200, message="Enter a number from 1 to 200"),
        ],
    )
    note = StringField(
        "Note (optional)",
        widget=GovTextInput(),
        description="For example, extra meeting before Christmas",
        validators=[Optional(), *free_text(200, "Note")],
    )
    submit = SubmitField("Add meeting", widget=GovSubmitInput())


def add_service_error(form: FlaskForm, field_name: str | None, message: str) -> None:
    """Show a service's refusal against the field it concerns (or the first field)."""
    targets = {"starts_at": "day"}
    name = targets.get(field_name or "", field_name or "")
    field = getattr(form, name, None) if name else None
    if field is None:
        field = next(iter(f for f in form if f.name != "csrf_token"))
    field.errors = [*field.errors, message]
    form._errors = None  # WTForms caches form.errors


class HeldForm(FlaskForm):
    submit = SubmitField("Record the meeting as held", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    agency = RadioField(
        "Which agency owns the action?",
        widget=GovRadioInput(),
        validators=[InputRequired("Select the agency that owns the action")],
    )
    description = TextAreaField(
        "Action",
        widget=GovTextArea(),
        description="What will be done. Use the case reference, not names.",
        validators=[
            InputRequired("Describe the action"),
            *free_text(1000, "Action", multiline=True),
        ],
    )
    due_on = DayMonthYearField(
        "Due date (optional)",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[Optional()],
        description="For example, 27 3 2026",
    )
    submit = SubmitField("Add action", widget=GovSubmitInput())


class ActionStatusForm(FlaskForm):
    status = RadioField(
        "What is the status of the action?",
        widget=GovRadioInput(),
        validators=[InputRequired("Select the status of the action")],
    )
    note = TextAreaField(
        "Note",
        widget=GovTextArea(),
        description=(
            "Needed when the action is blocked: describe the change of circumstances. "
            "It is kept with the case and erased with it: do not include names or addresses."
        ),
        validators=[Optional(), *free_text(500, "Note", multiline=True)],
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class OutcomeForm(FlaskForm):
    outcome = RadioField(
        "What did the meeting decide for this case?",
        widget=GovRadioInput(),
        validators=[InputRequired("Select the outcome for this case")],
    )
    submit = SubmitField("Save outcome", widget=GovSubmitInput())


class FeedbackForm(FlaskForm):
    submit = SubmitField("Record feedback given to the victim", widget=GovSubmitInput())


class MinutesForm(FlaskForm):
    submit = SubmitField("Record minutes and actions sent to agencies", widget=GovSubmitInput())
