"""The offer form. A date (GOV.UK date input) and a time, both London wall-clock time."""

from __future__ import annotations

from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextArea
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from triage.services.offers import LATE_REASONS, MAX_DETAIL, MAX_NOTES, METHODS, OUTCOMES
from triage.web.fields import date_field, local_instant, time_field


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class OfferForm(FlaskForm):
    made_on = date_field("Date the offer was made", "Enter the date the offer was made")
    made_time = time_field(
        "Time the offer was made", "Enter the time the offer was made", example="14:30"
    )
    method = RadioField(
        "How was the offer made?",
        choices=_choices(METHODS),
        widget=GovRadioInput(),
        validators=[InputRequired("Select how the offer was made")],
    )
    outcome = RadioField(
        "What was the outcome?",
        choices=_choices(OUTCOMES),
        widget=GovRadioInput(),
        validators=[InputRequired("Select the outcome of the offer")],
    )
    # Only needed when the offer is late; the service decides, so the form accepts none.
    late_reason = RadioField(
        "Why was the offer late?",
        choices=_choices(LATE_REASONS),
        validators=[Optional()],
    )
    late_reason_detail = TextAreaField(
        "Give more detail",
        widget=GovTextArea(),
        description=(
            "It is kept with the case and erased with it: do not include names, addresses "
            "or contact details."
        ),
        validators=[Optional(), Length(max=MAX_DETAIL)],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        description="Do not include addresses or contact details",
        validators=[Optional(), Length(max=MAX_NOTES)],
    )
    submit = SubmitField("Record offer", widget=GovSubmitInput())

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
