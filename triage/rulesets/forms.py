"""Forms for rule-set administration and replay. Fields are listed explicitly."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovDateInput,
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
)
from wtforms import BooleanField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, ValidationError

from triage.services.rulesets import MAX_SOURCE_CHARS
from triage.web.fields import DayMonthYearField


class RuleSetForm(FlaskForm):
    source = TextAreaField(
        "Rule set (YAML)",
        widget=GovTextArea(),
        description="Paste the whole rule set, or choose a file below. It needs a new version.",
    )
    upload = FileField("Or upload a YAML file", widget=GovFileInput())
    activate = BooleanField(
        "Use this rule set for new referrals straight away", widget=GovCheckboxInput()
    )
    submit = SubmitField("Check and save rule set", widget=GovSubmitInput())

    def text(self) -> str | None:
        """The YAML from the file if one was chosen, otherwise from the text box."""
        upload = self.upload.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(MAX_SOURCE_CHARS * 4 + 1)
            try:
                self.source.data = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.upload.errors = ["The file must be UTF-8 text"]
                return None
        text = (self.source.data or "").replace("\r\n", "\n")
        if not text.strip():
            self.source.errors = ["Paste a rule set or choose a file"]
            return None
        return text


class ActivateForm(FlaskForm):
    submit = SubmitField("Use for new referrals", widget=GovSubmitInput())


class ReplayForm(FlaskForm):
    choice = RadioField(
        "Which rule set should the referrals be replayed under?",
        choices=[
            SelectChoice("stored", "A stored version"),
            SelectChoice("pasted", "Rules pasted below"),
        ],
        default="stored",
        widget=GovRadioInput(),
        validators=[InputRequired("Choose where the rule set comes from")],
    )
    version = SelectField("Stored version", widget=GovSelect(), validate_choice=False)
    source = TextAreaField("Rule set (YAML)", widget=GovTextArea())
    date_from = DayMonthYearField(
        "Received from",
        format="%d %m %Y",
        widget=GovDateInput(),
        description="For example, 1 4 2026",
        validators=[InputRequired("Enter the first date")],
    )
    date_to = DayMonthYearField(
        "Received to (inclusive)",
        format="%d %m %Y",
        widget=GovDateInput(),
        description="For example, 30 6 2026",
        validators=[InputRequired("Enter the last date")],
    )
    submit = SubmitField("Replay", widget=GovSubmitInput())

    def validate_date_to(self, field) -> None:
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError("The last date must be the same as or after the first date")
