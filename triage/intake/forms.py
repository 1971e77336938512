"""The referral form, one WTForms class per section. Fields are listed explicitly.

The forms only check what a person typed (is there a name, is the date real), with the
limits of the one definition of a referral's input (`triage.referral_input`); the form's
answers are mapped onto that definition (`flow.data_from_draft`) and the intake service
checks the referral as a whole. CSRF is checked for every POST by CSRFProtect (the
templates carry the token), so the section forms can also be rebuilt from a saved draft.
"""

from __future__ import annotations

import functools
from datetime import datetime, time
from zoneinfo import ZoneInfo

from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length, Optional, StopValidation, ValidationError

from triage import vocabulary
from triage.field_validation import limit
from triage.intake.form_fields import (
    YES_NO,
    DateParts,
    SectionForm,
    choices,
    required,
    whole_number,
)
from triage.intake.victim_fields import VictimEqualityFields, VictimSafeContactFields
from triage.models.referral import SOURCE_AGENCIES
from triage.referral_input import Person, ReferralCreate
from triage.rules import RuleSet
from triage.web.clock import request_now
from triage.web.text_checks import free_text

LONDON = ZoneInfo("Europe/London")

ANSWER_LABELS = {
    "yes": "Yes",
    "no": "No",
    "dont_know": "Don't know",
    "not_asked": "Not asked",
}


# --------------------------------------------------------------------------- 1 referrer


class ReferrerForm(SectionForm):
    source_agency = SelectField(
        "Which agency is the referral from?",
        choices=choices([("", "Choose an agency"), *SOURCE_AGENCIES.items()]),
        widget=GovSelect(),
        validators=[required("Select the agency the referral comes from")],
    )
    referrer_name = StringField(
        "Name of the person making the referral",
        widget=GovTextInput(),
        validators=[
            required("Enter the name of the person making the referral"),
            *free_text(limit(ReferralCreate, "referrer_name"), "Referrer's name"),
        ],
    )
    referrer_contact = StringField(
        "Referrer's phone number or e-mail address (optional)",
        widget=GovTextInput(),
        validators=[
            Optional(),
            *free_text(limit(ReferralCreate, "referrer_contact"), "Referrer's contact details"),
        ],
    )
    police_reference = StringField(
        "Police reference (optional)",
        description="The crime or incident reference, if the police were involved.",
        widget=GovTextInput(),
        validators=[
            Optional(),
            *free_text(limit(ReferralCreate, "police_reference"), "Police reference"),
        ],
    )
    received_date = DateParts(
        "Date the referral was received (optional)",
        description="Leave blank if it arrived today. For example, 27 3 2026.",
    )
    received_time = StringField(
        "Time it was received (optional)",
        description="24-hour clock, London time, for example 09:30.",
        widget=GovTextInput(),
        validators=[Optional(), Length(max=5)],
    )
    consent_basis = RadioField(
        "On what basis is the victim's information being shared?",
        choices=choices(vocabulary.CONSENT_BASES),
        widget=GovRadioInput(),
        validators=[required("Select the basis for sharing the victim's information")],
    )

    def validate_received_time(self, field):
        if field.data and parse_time(field.data) is None:
            raise ValidationError("Enter the time received as hours and minutes, like 09:30")

    def validate_received_date(self, field):
        if field.data is None and (self.received_time.data or "").strip():
            raise ValidationError("Enter the date received as well as the time")
        if field.data is not None and field.data > london_today():
            raise ValidationError("Date the referral was received must not be in the future")


def london_today():
    """Today in London, from the request's one "now" (a later time today is left to the
    intake service, which knows the allowance for a sender's clock)."""
    return request_now().astimezone(LONDON).date()


def _past_date_of_birth(form, field) -> None:
    if field.data is not None and field.data > london_today():
        raise ValidationError("Date of birth must be in the past")


def parse_time(text: str) -> time | None:
    try:
        hours, minutes = (int(p) for p in text.strip().replace(".", ":").split(":"))
        return time(hours, minutes)
    except ValueError:
        return None


def received_at(form: ReferrerForm) -> datetime | None:
    """The London date and time typed, as an aware datetime (None: "now")."""
    if form.received_date.data is None:
        return None
    moment = parse_time(form.received_time.data or "") or time(0, 0)
    return datetime.combine(form.received_date.data, moment, tzinfo=LONDON)


# --------------------------------------------------------------------------- 2 victim


def _name(label: str) -> StringField:
    return StringField(
        label, widget=GovTextInput(), validators=free_text(limit(Person, "first_name"), label)
    )


def _date_of_birth() -> DateParts:
    return DateParts(
        "Date of birth",
        description="If you know it. For example, 27 3 1990.",
        validators=[_past_date_of_birth],
    )


def _gender() -> RadioField:
    return RadioField(
        "Gender",
        choices=choices(vocabulary.GENDERS),
        widget=GovRadioInput(),
        validators=[Optional()],
    )


def _postcode() -> StringField:
    return StringField(
        "Postcode (optional)",
        widget=GovTextInput(),
        validators=[Optional(), *free_text(limit(Person, "postcode"), "Postcode")],
    )


class VictimForm(VictimEqualityFields, VictimSafeContactFields, SectionForm):
    victim_first_name = _name("Victim's first name")
    victim_last_name = _name("Victim's last name")
    victim_date_of_birth = _date_of_birth()
    victim_gender = _gender()
    victim_postcode = _postcode()
    victim_address = TextAreaField(
        "Address (optional)",
        description="Only if it is safe to record. Leave blank for a refuge address.",
        widget=GovTextArea(),
        validators=[
            Optional(),
            *free_text(limit(Person, "address"), "Victim's address", multiline=True),
        ],
    )

    def validate_victim_first_name(self, field):
        if not (field.data or "").strip():
            raise StopValidation("Enter the victim's first name")

    def validate_victim_last_name(self, field):
        if not (field.data or "").strip():
            raise StopValidation("Enter the victim's last name")


# --------------------------------------------------------------------------- 3 perpetrator


class PerpetratorForm(SectionForm):
    perpetrator_known = RadioField(
        "Do you know who the perpetrator is?",
        choices=choices(YES_NO),
        widget=GovRadioInput(),
        validators=[required("Select yes if you know who the perpetrator is")],
    )
    perpetrator_first_name = _name("Perpetrator's first name")
    perpetrator_last_name = _name("Perpetrator's last name")
    perpetrator_date_of_birth = _date_of_birth()
    perpetrator_gender = _gender()
    perpetrator_postcode = _postcode()
    children_in_household = StringField(
        "How many children live in the household?",
        description="Enter 0 if there are none.",
        widget=GovTextInput(),
        validators=[
            required("Enter the number of children in the household, or 0 if there are none"),
            whole_number(
                "Enter the number of children as a whole number, like 2",
                limit(ReferralCreate, "children_in_household", "maximum"),
            ),
        ],
    )

    def _known(self) -> bool:
        return self.perpetrator_known.data == "yes"

    def validate_perpetrator_first_name(self, field):
        if self._known() and not (field.data or "").strip():
            raise StopValidation("Enter the perpetrator's first name")

    def validate_perpetrator_last_name(self, field):
        if self._known() and not (field.data or "").strip():
            raise StopValidation("Enter the perpetrator's last name")


# --------------------------------------------------------------------------- 4 Dash


def _per_ruleset(build):
    """Form classes are built once per rule set (keyed by its version and text)."""
    cache: dict[tuple[str, str], type] = {}

    @functools.wraps(build)
    def get(ruleset: RuleSet):
        key = (ruleset.version, ruleset.source)
        if key not in cache:
            cache[key] = build(ruleset)
        return cache[key]

    return get


@_per_ruleset
def dash_form_class(ruleset: RuleSet) -> type[SectionForm]:
    """The checklist as the rule set words it: one radio group and one detail box each."""
    fields: dict = {}
    for q in ruleset.dash_questions:
        fields[f"q{q.number}"] = RadioField(
            f"{q.number}. {q.text}",
            choices=choices(ANSWER_LABELS),
            description=q.help or "",
            widget=GovRadioInput(),
            validators=[
                required(
                    f"Select an answer to question {q.number} "
                    "(choose 'Not asked' if the victim could not be asked)"
                )
            ],
        )
        fields[f"q{q.number}_detail"] = TextAreaField(
            f"Detail for question {q.number} (optional)",
            widget=GovTextArea(),
            validators=[
                Optional(),
                *free_text(
                    limit(ReferralCreate, "dash_details"),
                    f"Detail for question {q.number}",
                    multiline=True,
                ),
            ],
        )
    fields["dash_completed_by"] = StringField(
        "Who completed the checklist?",
        description="Name and role, for example PC Jo Bloggs, response officer.",
        widget=GovTextInput(),
        validators=free_text(
            limit(ReferralCreate, "dash_completed_by"), "Who completed the checklist"
        ),
    )
    fields["dash_completed_on"] = DateParts(
        "Date the checklist was completed", description="For example, 27 3 2026."
    )

    def validate_dash_completed_by(form, field):
        if _any_answered(form) and not (field.data or "").strip():
            raise StopValidation("Enter who completed the Dash checklist")

    def validate_dash_completed_on(form, field):
        if _any_answered(form) and field.data is None and not field.errors:
            raise StopValidation("Enter the date the Dash checklist was completed")
        if field.data is not None and field.data > london_today():
            raise StopValidation("Date the checklist was completed must not be in the future")

    def _any_answered(form) -> bool:
        return any(
            form[f"q{q.number}"].data not in (None, "not_asked") for q in ruleset.dash_questions
        )

    fields["validate_dash_completed_by"] = validate_dash_completed_by
    fields["validate_dash_completed_on"] = validate_dash_completed_on
    cls = type("DashForm", (SectionForm,), fields)
    cls.question_numbers = [q.number for q in ruleset.dash_questions]
    return cls


# --------------------------------------------------------------------------- 5 risk


@_per_ruleset
def risk_form_class(ruleset: RuleSet) -> type[SectionForm]:
    class RiskForm(SectionForm):
        police_callouts_12m = StringField(
            "How many times have the police been called out to this victim for domestic "
            "abuse in the last 12 months?",
            description="Enter 0 if none.",
            widget=GovTextInput(),
            validators=[
                required("Enter the number of police call-outs, or 0 if there were none"),
                whole_number("Enter the number of call-outs as a whole number, like 3", 365),
            ],
        )
        professional_judgement = RadioField(
            "In your professional judgement, is this case high risk whatever the score?",
            choices=choices(YES_NO),
            widget=GovRadioInput(),
            validators=[required("Select yes if you judge the case high risk")],
        )
        professional_judgement_reason = TextAreaField(
            "Why do you judge the case high risk?",
            description="Required if you answered yes. This is quoted in the reasons.",
            widget=GovTextArea(),
            validators=free_text(
                limit(ReferralCreate, "professional_judgement_reason"),
                "The reason you judge the case high risk",
                multiline=True,
            ),
        )
        victim_needs = SelectMultipleField(
            "Does the victim have any of these needs?",
            choices=choices([(e.code, e.label) for e in ruleset.victim_needs]),
            description="Select all that apply.",
            widget=GovCheckboxesInput(),
            validators=[Optional()],
        )
        perpetrator_management = SelectMultipleField(
            "Is the perpetrator managed in any of these ways?",
            choices=choices([(e.code, e.label) for e in ruleset.perpetrator_management]),
            description="Select all that apply.",
            widget=GovCheckboxesInput(),
            validators=[Optional()],
        )
        detail = TextAreaField(
            "What happened? (optional)",
            description="The incident and anything else the S2S team should know.",
            widget=GovTextArea(),
            validators=[
                Optional(),
                *free_text(limit(ReferralCreate, "detail"), "What happened", multiline=True),
            ],
        )

        def validate_professional_judgement_reason(self, field):
            if self.professional_judgement.data == "yes" and not (field.data or "").strip():
                raise StopValidation("Enter the reason you judge the case high risk")

    return RiskForm


class MatchForm(SectionForm):
    """'Is this the same person?' for the near matches of one person in the referral."""

    choice = RadioField(
        "Is this the same person?",
        choices=[],
        widget=GovRadioInput(),
        validators=[required("Select the person this is, or that it is a different person")],
    )
