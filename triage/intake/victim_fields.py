"""The victim section's optional equality and safe-contact questions (mixed into
`forms.VictimForm`), with the code lists of `triage.equality`; blank means not recorded."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovTextInput
from wtforms import RadioField, SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from triage.equality import (
    DISABILITY,
    ETHNICITIES,
    PHONE_PATTERN,
    SAFE_CONTACT_FLAGS,
    SEXUAL_ORIENTATIONS,
    TRANS,
)
from triage.field_validation import limit
from triage.intake.form_fields import choices
from triage.referral_input import Victim

EQUALITY_FIELDS = ("ethnicity", "sexual_orientation", "trans", "disability")
SAFE_ANSWERS = {"yes": "Yes", "no": "No", "dont_know": "Don't know"}


def _radios(label: str, codes: dict[str, str]) -> RadioField:
    return RadioField(
        label, choices=choices(codes), widget=GovRadioInput(), validators=[Optional()]
    )


class VictimEqualityFields:
    victim_ethnicity = SelectField(
        "Ethnic group (optional)",
        description="As the victim describes it (ONS 2021 categories).",
        choices=choices({"": "Not recorded", **ETHNICITIES}),
        widget=GovSelect(),
        validators=[Optional()],
    )
    victim_sexual_orientation = _radios("Sexual orientation (optional)", SEXUAL_ORIENTATIONS)
    victim_trans = _radios("Is the victim trans or do they have a trans history? (optional)", TRANS)
    victim_disability = _radios(
        "Does the victim consider themselves disabled? (optional)", DISABILITY
    )


class VictimSafeContactFields:
    victim_phone = StringField(
        "Safe phone number (optional)",
        description="A number the perpetrator does not know or check.",
        widget=GovTextInput(),
        validators=[
            Optional(),
            Length(max=limit(Victim, "phone")),
            Regexp(PHONE_PATTERN, message="Enter a UK phone number, like 07700 900123"),
        ],
    )
    victim_safe_to_call = _radios("Is it safe to call? (optional)", SAFE_ANSWERS)
    victim_safe_to_leave_message = _radios(
        "Is it safe to leave a message? (optional)", SAFE_ANSWERS
    )
    victim_safe_to_write = _radios("Is it safe to write to the victim? (optional)", SAFE_ANSWERS)
    victim_safe_times = StringField(
        "Safe times to make contact (optional)",
        description="For example: weekdays 10am to 2pm, when the partner is at work.",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=limit(Victim, "safe_times"))],
    )


def victim_extras(form) -> dict:
    """The victim's equality codes and safe contact from the form (None = not recorded)."""
    extras: dict = {key: form[f"victim_{key}"].data or None for key in EQUALITY_FIELDS}
    extras["phone"] = (form.victim_phone.data or "").strip() or None
    extras["safe_times"] = (form.victim_safe_times.data or "").strip() or None
    for key in SAFE_CONTACT_FLAGS:
        extras[key] = {"yes": True, "no": False}.get(form[f"victim_{key}"].data or "")
    return extras
