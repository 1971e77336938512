"""Forms for closing a referral and for a subject-access export."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from triage.services.lifecycle import REASON_MAX
from triage.web.text_checks import free_text


class CloseReferralForm(FlaskForm):
    reason = TextAreaField(
        "Why is the referral being closed?",
        widget=GovTextArea(),
        description=(
            "For example: support ended, victim declined support, moved out of area. "
            "The reason goes into the audit trail: do not write names or addresses."
        ),
        validators=[
            InputRequired("Enter the reason for closing the referral"),
            *free_text(REASON_MAX, "The reason", multiline=True),
        ],
    )
    submit = SubmitField("Close the referral", widget=GovSubmitInput())


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
