"""Sign-in forms. Fields are listed explicitly, so nothing else can be assigned."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length


class SignInForm(FlaskForm):
    email = StringField(
        "E-mail address",
        widget=GovTextInput(),
        validators=[InputRequired("Enter your e-mail address"), Length(max=254)],
    )
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your password"), Length(max=256)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class SignOutForm(FlaskForm):
    submit = SubmitField("Sign out", widget=GovSubmitInput())


CODE_VALIDATORS = [
    InputRequired("Enter a code"),
    Length(max=32, message="Enter a correct code"),
]


class CodeForm(FlaskForm):
    """The second step: one field takes a 6-digit TOTP code or a recovery code."""

    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="The 6-digit code from your authenticator app, or one of your recovery codes",
        validators=CODE_VALIDATORS,
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class EnrolForm(CodeForm):
    """Confirming a new authenticator: the same field, but only the app's code makes sense."""

    code = StringField(
        "Code",
        widget=GovTextInput(),
        description="The 6-digit code your authenticator app shows for this service",
        validators=CODE_VALIDATORS,
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired("Enter your current password"), Length(max=256)],
    )
    new_password = PasswordField(
        "New password",
        widget=GovPasswordInput(),
        description="At least 12 characters. A few unrelated words make a good password.",
        validators=[InputRequired("Enter a new password"), Length(max=256)],
    )
    confirm_password = PasswordField(
        "Confirm new password",
        widget=GovPasswordInput(),
        validators=[
            InputRequired("Confirm your new password"),
            EqualTo("new_password", message="The new passwords do not match"),
        ],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class NewRecoveryCodesForm(FlaskForm):
    submit = SubmitField("Get new recovery codes", widget=GovSubmitInput())


class EndSessionForm(FlaskForm):
    """Ending a session is a change: it needs the CSRF token like any other form."""
