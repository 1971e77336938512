"""Forms for closing a referral and for a subject-access export."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, IntegerField, RadioField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from triage.services.lifecycle import CLOSURE_REASONS, DETAIL_REQUIRED, REASON_MAX
from triage.web.text_checks import free_text


class CloseReferralForm(FlaskForm):
    reason = RadioField(
        "Why is the case being closed?",
        choices=[SelectChoice(code, label) for code, label in CLOSURE_REASONS.items()],
        widget=GovRadioInput(),
        validators=[InputRequired("Reason for closing: select why the case is being closed")],
    )
    detail = TextAreaField(
        "Details",
        widget=GovTextArea(),
        description=(
            "Needed for \u201creferred to another service\u201d (which one) and \u201cother\u201d. "
            "Kept on the case, not in the audit trail, and erased with the case."
        ),
        validators=[
            Optional(),
            *free_text(REASON_MAX, "Details", multiline=True),
        ],
    )
    # Set by the confirmation page's button: the first submission only shows what will happen.
    confirmed = HiddenField()
    submit = SubmitField("Continue", widget=GovSubmitInput())

    def validate_detail(self, field) -> None:
        if self.reason.data in DETAIL_REQUIRED and not (field.data or "").strip():
            label = CLOSURE_REASONS[self.reason.data].lower()
            raise ValidationError(f"Details: say more about why the case is closed ({label})")


class SubjectAccessForm(FlaskForm):
    person_id = IntegerField(
        "Person number",
        widget=GovTextInput(),
        description="The number of the person record (not their name).",
        validators=[
            InputRequired("Enter the person number"),
            NumberRange(min=1, message="Enter a person number"),
        ],
    )
    submit = SubmitField("Download the subject-access export", widget=GovSubmitInput())
