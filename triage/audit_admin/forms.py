"""Forms for the audit pages. The reference travels in a POST body, never in a URL query."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

_REFERENCE = re.compile(r"^R?0*(\d{1,9})$", re.IGNORECASE)


def referral_id_from_reference(value: str) -> int | None:
    """'R000123', 'r123' or '123' -> 123; anything else -> None."""
    match = _REFERENCE.match((value or "").strip())
    return int(match.group(1)) if match and int(match.group(1)) > 0 else None


class ReferenceSearchForm(FlaskForm):
    reference = StringField(
        "Referral reference",
        widget=GovTextInput(),
        description="For example, R000123",
        validators=[InputRequired("Enter a referral reference"), Length(max=20)],
    )
    submit = SubmitField("Show audit history", widget=GovSubmitInput())

    def validate_reference(self, field: StringField) -> None:
        if referral_id_from_reference(field.data) is None:
            raise ValidationError("Enter a referral reference like R000123")


class VerifyForm(FlaskForm):
    submit = SubmitField("Verify the audit chain now", widget=GovSubmitInput())
