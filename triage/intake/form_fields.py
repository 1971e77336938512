"""Field types and small helpers shared by the referral form's sections: GOV.UK date
parts that tell a missing part from a bad date, whole numbers, choices."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import Field
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, StopValidation, ValidationError

from triage.input_fields import FIRST_YEAR, LAST_YEAR


def choices(pairs) -> list[SelectChoice]:
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


YES_NO = {"yes": "Yes", "no": "No"}
YES_NO_UNKNOWN = {"yes": "Yes", "no": "No", "unknown": "Not known"}


class SectionForm(FlaskForm):
    class Meta:
        csrf = False  # CSRFProtect checks every POST; drafts rebuild forms without a request


class DateParts(Field):
    """A GOV.UK date input (day, month, year boxes) that tells a missing part from a bad date."""

    widget = GovDateInput()

    def __init__(self, label=None, validators=None, *, required_message=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required_message = required_message

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist:
            self.raw_data = None  # the GOV.UK widget needs three parts or none
            return
        parts = [str(v).strip() for v in valuelist[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        if not any(parts):
            return
        label = self.label.text
        if not all(parts):
            missing = [n for n, v in zip(("day", "month", "year"), parts, strict=True) if not v]
            raise ValueError(f"{label} must include a {' and '.join(missing)}")
        try:
            day, month, year = (int(p) for p in parts)
            if year < 1000:
                raise ValueError
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{label} must be a real date") from None
        if not FIRST_YEAR <= year <= LAST_YEAR:  # the one definition's range
            self.data = None
            raise ValueError(f"{label} must be between {FIRST_YEAR} and {LAST_YEAR}")

    def _value(self):
        return self.data.strftime("%d %m %Y") if self.data else ""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation(self.process_errors[0])
        if self.data is None and self.required_message:
            raise StopValidation(self.required_message)


def whole_number(message: str, maximum: int):
    def check(form, field):
        text = (field.data or "").strip()
        if not text.isdigit():
            raise ValidationError(message)
        if int(text) > maximum:
            raise ValidationError(f"{field.label.text} must be {maximum} or fewer")

    return check


def required(message: str) -> InputRequired:
    return InputRequired(message)
