"""The "Record a contact" form: an attempt or an offer. A date (GOV.UK date input) and a
time, both London wall-clock time."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from triage.services.offers import LATE_REASONS, MAX_DETAIL, MAX_NOTES, METHODS, OUTCOMES
from triage.web.fields import date_field, local_instant, time_field
from triage.web.text_checks import free_text


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class ContactForm(FlaskForm):
    made_on = date_field("Date of the contact", "Enter the date of the contact")
    made_time = time_field("Time of the contact", "Enter the time of the contact", example="14:30")
    method = RadioField(
        "How did you try to contact the victim?",
        choices=_choices(METHODS),
        widget=GovRadioInput(),
        validate_choice=False,  # an unknown code gets the service's message naming the field
        validators=[InputRequired("Select how the contact was made")],
    )
    outcome = RadioField(
        "What happened?",
        choices=_choices(OUTCOMES),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[InputRequired("Select the outcome of the contact")],
    )
    # Only needed for an offer made after the due time; the service decides.
    late_reason = RadioField(
        "Why was the offer late?",
        choices=_choices(LATE_REASONS),
        widget=GovRadioInput(),
        validate_choice=False,
        validators=[Optional()],
    )
    late_reason_detail = TextAreaField(
        "More detail about the lateness (needed if you chose Other)",
        widget=GovTextArea(),
        description=(
            "It is kept with the case and erased with it: do not include names, addresses "
            "or contact details."
        ),
        validators=[Optional(), *free_text(MAX_DETAIL, "The detail", multiline=True)],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        description="Do not include addresses or contact details",
        validators=[Optional(), *free_text(MAX_NOTES, "Notes", multiline=True)],
    )
    submit = SubmitField("Record contact", widget=GovSubmitInput())

    def made_at(self, timezone: str) -> datetime | None:
        """The London date and time typed, as an aware UTC instant (None if incomplete)."""
        return local_instant(self.made_on.data, self.made_time.data, timezone)

    def add_errors(self, errors: dict[str, str]) -> None:
        """Show the service's findings against the fields they belong to."""
        targets = {"made_at": self.made_on}
        for name, message in errors.items():
            field = targets.get(name) or getattr(self, name, None) or self.made_on
            field.errors = [*field.errors, message]
        self._errors = None  # WTForms caches form.errors
