"""Forms of the operations and closure-day pages."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput, GovTextInput
from wtforms import DateField, StringField, SubmitField
from wtforms.utils import unset_value
from wtforms.validators import InputRequired, Length


class _DayMonthYear(DateField):
    """GovDateInput needs exactly three values to render; anything else a request sends is an
    error on the field, never a crash."""

    def process(self, formdata, data=unset_value, extra_filters=None) -> None:
        super().process(formdata, data, extra_filters)
        if self.raw_data is not None and len(self.raw_data) != 3:
            self.raw_data = ["", "", ""]


class ClosureDayForm(FlaskForm):
    day = _DayMonthYear(
        "Date",
        format="%d %m %Y",
        widget=GovDateInput(),
        validators=[InputRequired("Enter the date of the closure")],
        description="For example, 29 12 2026",
    )
    reason = StringField(
        "Reason",
        widget=GovTextInput(),
        description="For example, council closure between Christmas and New Year",
        validators=[InputRequired("Enter the reason for the closure"), Length(max=200)],
    )
    submit = SubmitField("Add closure day", widget=GovSubmitInput())


class RemoveClosureForm(FlaskForm):
    submit = SubmitField("Remove", widget=GovSubmitInput())


class RetryForm(FlaskForm):
    submit = SubmitField("Try again", widget=GovSubmitInput())
