"""Forms of the operations and closure-day pages."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired

from triage.web.fields import date_field
from triage.web.text_checks import free_text


class ClosureDayForm(FlaskForm):
    day = date_field("Date", "Enter the date of the closure", example="29 12 2026")
    reason = StringField(
        "Reason",
        widget=GovTextInput(),
        description="For example, council closure between Christmas and New Year",
        validators=[InputRequired("Enter the reason for the closure"), *free_text(200, "Reason")],
    )
    submit = SubmitField("Add closure day", widget=GovSubmitInput())


class RemoveClosureForm(FlaskForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())


class RetryForm(FlaskForm):
    submit = SubmitField("Try again", widget=GovSubmitInput())
