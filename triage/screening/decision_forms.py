"""The screening decision form: route, owner, agencies to inform, notes, and raising the
risk level by professional judgement. The service checks the rules (e.g. a reason for no
further action); the form keeps what was typed and shows the service's findings."""

from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from triage.models import User
from triage.models.referral import SOURCE_AGENCIES
from triage.models.screening import ROUTES
from triage.models.user import ROLE_LABELS
from triage.services.screening_decisions import (
    NOTES_MAX,
    REASON_MAX,
    SIGNPOST_MAX,
    DecisionInput,
)
from triage.vocabulary import JUDGEMENT_REASON_MAX


class DecisionForm(FlaskForm):
    based_on_version = HiddenField()
    route = RadioField(
        "Route: what happens next?",
        choices=[SelectChoice(code, label) for code, label in ROUTES.items()],
        widget=GovRadioInput(),
        validate_choice=False,  # the service names the field for an unknown code
        validators=[InputRequired("Route: select what happens next")],
    )
    signpost_to = StringField(
        "Signposted to (only for “Signpost to another service”)",
        widget=GovTextInput(),
        description="The service the victim is signposted to",
        validators=[
            Optional(),
            Length(
                max=SIGNPOST_MAX,
                message=f"Signposted to must be {SIGNPOST_MAX} characters or fewer",
            ),
        ],
    )
    no_action_reason = TextAreaField(
        "Reason for no further action (only for “No further action”)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(
                max=REASON_MAX,
                message=f"Reason for no further action must be {REASON_MAX} characters or fewer",
            ),
        ],
    )
    owner_id = SelectField(
        "Owner: the named worker who holds the case",
        coerce=str,
        widget=GovSelect(),
        validate_choice=False,
        validators=[InputRequired("Owner: select a named worker who may hold cases")],
    )
    agencies = SelectMultipleField(
        "Agencies to inform (optional)",
        choices=[SelectChoice(code, label) for code, label in SOURCE_AGENCIES.items()],
        widget=GovCheckboxesInput(),
        validate_choice=False,
        validators=[Optional()],
    )
    notes = TextAreaField(
        "Notes (optional)",
        widget=GovTextArea(),
        description="Do not include addresses or contact details",
        validators=[
            Optional(),
            Length(max=NOTES_MAX, message=f"Notes must be {NOTES_MAX} characters or fewer"),
        ],
    )
    raise_risk = BooleanField(
        "Raise the risk level to high by professional judgement",
        widget=GovCheckboxInput(),
    )
    judgement_reason = TextAreaField(
        "Reason for raising the risk level (required when raising it)",
        widget=GovTextArea(),
        validators=[
            Optional(),
            Length(
                max=JUDGEMENT_REASON_MAX,
                message=(
                    "Reason for raising the risk level must be "
                    f"{JUDGEMENT_REASON_MAX} characters or fewer"
                ),
            ),
        ],
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def set_owners(self, owners: list[User]) -> None:
        self.owner_id.choices = [SelectChoice("", "Choose a worker")] + [
            SelectChoice(
                str(u.id), f"{u.name} ({', '.join(ROLE_LABELS.get(r, r) for r in sorted(u.roles))})"
            )
            for u in owners
        ]

    def to_input(self) -> DecisionInput:
        version = self.based_on_version.data or ""
        owner = self.owner_id.data or ""
        return DecisionInput(
            based_on_version=int(version) if version.isdigit() else None,
            route=self.route.data,
            owner_id=int(owner) if owner.isdigit() else None,
            signpost_to=self.signpost_to.data,
            no_action_reason=self.no_action_reason.data,
            agencies=list(self.agencies.data or []),
            notes=self.notes.data,
            raise_risk=bool(self.raise_risk.data),
            judgement_reason=self.judgement_reason.data,
        )

    def add_errors(self, errors: list[dict[str, str]]) -> None:
        """Show the service's findings against the fields they belong to."""
        for problem in errors:
            target = getattr(self, problem["field"], None)
            if not hasattr(target, "errors") or problem["field"] == "based_on_version":
                target = self.route
            if problem["message"] not in target.errors:
                target.errors = [*target.errors, problem["message"]]
        self._errors = None  # WTForms caches form.errors
