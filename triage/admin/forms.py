"""User-management forms. Each lists its fields, so nothing else can be assigned."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovPasswordInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import PasswordField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, Regexp

from triage.models.user import ROLE_LABELS, ROLES
from triage.web.text_checks import free_text

ROLE_CHOICES = [SelectChoice(role, ROLE_LABELS.get(role, role)) for role in ROLES]


class RolesField(SelectMultipleField):
    def __init__(self, label: str = "Roles", **kwargs):
        super().__init__(
            label,
            choices=ROLE_CHOICES,
            widget=GovCheckboxesInput(),
            validators=[InputRequired("Choose at least one role")],
            **kwargs,
        )


class CreateUserForm(FlaskForm):
    email = StringField(
        "E-mail address",
        widget=GovTextInput(),
        validators=[
            InputRequired("Enter an e-mail address"),
            Length(max=254),
            Regexp(
                r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                message="Enter an e-mail address in the correct format, like name@example.org",
            ),
        ],
    )
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired("Enter a name"), *free_text(200, "Full name")],
    )
    agency = StringField(
        "Agency", widget=GovTextInput(), validators=[Optional(), *free_text(100, "Agency")]
    )
    roles = RolesField()
    password = PasswordField(
        "First password",
        widget=GovPasswordInput(),
        description=(
            "At least 12 characters, not a common password. Give it to the person by a "
            "separate route; they set up their authenticator app when they first sign in."
        ),
        validators=[InputRequired("Enter a first password"), Length(max=256)],
    )
    submit = SubmitField("Create user", widget=GovSubmitInput())


class RolesForm(FlaskForm):
    roles = RolesField()
    submit = SubmitField("Save roles", widget=GovSubmitInput())


class StatusForm(FlaskForm):
    reason = StringField(
        "Reason",
        widget=GovTextInput(),
        description=(
            "It is kept with the account, not in the audit trail: do not include personal details."
        ),
        validators=[Optional(), *free_text(200, "Reason")],
    )
    submit = SubmitField("Change status", widget=GovSubmitInput())


class ResetMfaForm(FlaskForm):
    submit = SubmitField("Reset second factor", widget=GovSubmitInput())


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description=(
            "At least 12 characters, not a common password. Give it to the person by a "
            "separate route: they must choose their own when they next sign in."
        ),
        validators=[InputRequired("Enter a new password"), Length(max=256)],
    )
    submit = SubmitField("Set password", widget=GovSubmitInput())
