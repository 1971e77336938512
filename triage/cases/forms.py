"""The case search form. It is POSTed: what is searched for (a name, a date of birth) must
never be in a URL, where browser history, proxies and access logs would keep it (DOMAIN.md)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from triage.services.case_search import KINDS

HINTS = {
    "reference": "Like R000123",
    "police_reference": "As the police gave it",
    "name": "First and last name",
    "dob": "For example 31/01/1990",
    "postcode": "For example E15 4QQ",
}


class SearchForm(FlaskForm):
    kind = RadioField(
        "Search by",
        choices=[SelectChoice(code, label) for code, label in KINDS.items()],
        widget=GovRadioInput(),
        validate_choice=False,  # the service names the field for an unknown kind
        validators=[InputRequired("Search by: select what you are searching by")],
    )
    q = StringField(
        "Search for",
        widget=GovTextInput(),
        description="A reference like R000123, a name, a date of birth like 31/01/1990 or a "
        "postcode. Near matches (a mistyped name or date) are shown after exact ones.",
        validators=[
            InputRequired("Search for: enter what to search for"),
            Length(max=100, message="Search for: must be 100 characters or fewer"),
        ],
    )
    submit = SubmitField("Search", widget=GovSubmitInput())
