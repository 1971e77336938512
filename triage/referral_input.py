"""The one definition of a referral's input, as pydantic models.

The web form (`intake/flow.py`), the JSON API and the CSV import (`services/importer.py`)
each build this shape; `services.intake_validation.check_referral` validates it with these
models, and the API publishes the JSON Schema generated from them (`api/openapi.py`), so
what is published is what is enforced and the three doors cannot drift apart.

The models check shape and limits (types, lengths, code lists, dates). What needs the
rule set or the database (questions and codes in force, a stored police reference, who
the people are) is checked by the intake service, which validates field by field
(`triage.field_validation`) so that those checks still see every field that is right and
every problem is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
)
from pydantic_core import PydanticCustomError

from triage.equality import (
    DISABILITY,
    ETHNICITIES,
    PHONE_MAX,
    PHONE_PATTERN,
    SAFE_TIMES_MAX,
    SEXUAL_ORIENTATIONS,
    TRANS,
)
from triage.input_fields import (
    CALLOUTS_MAX,
    POSTCODE_PATTERN,
    QUESTION_NUMBER,
    ADate,
    Flag,
    Moment,
    QuestionKey,
    _choice,
    _codes,
    _optional_text,
    _postcode,
    _required_choice,
    _required_text,
    _text,
    whole,
)
from triage.models.referral import SOURCE_AGENCIES
from triage.rules import ANSWERS
from triage.vocabulary import (
    ADDRESS_MAX,
    ANSWER_DETAIL_MAX,
    CHILDREN_MAX,
    CONSENT_BASES,
    DETAIL_MAX,
    GENDERS,
    JUDGEMENT_REASON_MAX,
    NAME_MAX,
    POLICE_REFERENCE_MAX,
    POSTCODE_MAX,
    REFERRER_MAX,
)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(_Input):
    """The victim or the perpetrator."""

    first_name: _required_text(NAME_MAX)
    last_name: _required_text(NAME_MAX)
    date_of_birth: Annotated[
        ADate | None,
        Field(description="Not after the day received; the victim must be aged 16 or over on it."),
    ] = None
    postcode: Annotated[
        _optional_text(POSTCODE_MAX),
        AfterValidator(_postcode),
        Field(
            description="A UK postcode, e.g. E15 1AA",
            json_schema_extra={"pattern": POSTCODE_PATTERN},
        ),
    ] = None
    gender: _choice(GENDERS) | None = None
    address: _optional_text(ADDRESS_MAX, multiline=True) = None
    racially_minoritised: Flag = None
    lgbt: Flag = None
    disabled: Flag = None


# ---- the victim's equality codes and safe contact (optional; triage/equality.py) ----


def _phone(value: str | None) -> str | None:
    if value is not None and not re.match(PHONE_PATTERN, value):
        raise PydanticCustomError(
            "phone", "must be a UK phone number, like 07700 900123 or 020 7946 0000"
        )
    return value


def _optional_choice(codes: Mapping[str, str], description: str) -> Any:
    return Annotated[_choice(codes) | None, Field(description=description)]


SafeFlag = Annotated[
    Annotated[bool, Strict()] | None, Field(description="null = not known (don't know)")
]


class Victim(Person):
    """The victim: a person, with equality codes and how to contact them safely. A code
    sets its SafeLives flag (`racially_minoritised`, `lgbt`, `disabled`); a flag given
    beside a code must agree with it."""

    ethnicity: _optional_choice(ETHNICITIES, "ONS 2021 ethnic group; null = not recorded") = None
    sexual_orientation: _optional_choice(SEXUAL_ORIENTATIONS, "null = not recorded") = None
    trans: _optional_choice(TRANS, "Trans or has a trans history; null = not recorded") = None
    disability: _optional_choice(DISABILITY, "Considers themselves disabled") = None
    phone: Annotated[
        _optional_text(PHONE_MAX),
        AfterValidator(_phone),
        Field(
            description="A UK phone number, e.g. 07700 900123",
            json_schema_extra={"pattern": r"^\s*$|" + PHONE_PATTERN},
        ),
    ] = None
    safe_to_call: SafeFlag = None
    safe_to_leave_message: SafeFlag = None
    safe_to_write: SafeFlag = None
    safe_times: Annotated[
        _optional_text(SAFE_TIMES_MAX), Field(description="When it is safe to make contact")
    ] = None


class Facts(_Input):
    """What the rules assess, beside the checklist answers' dates."""

    dash: Annotated[
        dict[QuestionKey, Literal[ANSWERS]] | None,
        Field(
            description="Question number (1-24 in the default rule set) to answer. "
            "Only yes counts; a missing question is not_asked.",
            json_schema_extra={"propertyNames": {"pattern": QUESTION_NUMBER}},
        ),
    ] = None
    police_callouts_12m: Annotated[
        whole(0, CALLOUTS_MAX),
        Field(
            description="Police call-outs for domestic abuse to this victim in the last 12 "
            "months. Missing means 0; null is refused (an unknown count is not zero).",
        ),
    ] = 0
    professional_judgement: Annotated[
        Annotated[bool, Strict()] | None,
        Field(description="The practitioner judges the case high risk whatever the score."),
    ] = None
    professional_judgement_reason: Annotated[
        _optional_text(JUDGEMENT_REASON_MAX, multiline=True),
        Field(description="Required when professional_judgement is true."),
    ] = None
    victim_needs: _codes("Victim's complex needs, codes of the rule set.") = None
    perpetrator_management: _codes("How the perpetrator is managed, codes of the rule set.") = None


class ReferralCreate(Facts):
    """A new referral, as the API accepts it (and the CSV import builds it)."""

    source_agency: _required_choice(SOURCE_AGENCIES)
    referrer_name: _required_text(REFERRER_MAX)
    referrer_contact: _optional_text(REFERRER_MAX) = None
    police_reference: Annotated[
        _optional_text(POLICE_REFERENCE_MAX),
        Field(description="Unique: a second referral with it is refused."),
    ] = None
    received_at: Annotated[
        Moment | None,
        Field(
            description="When the referral was received, with a UTC offset; "
            "defaults to now; never in the future."
        ),
    ] = None
    victim: Victim
    perpetrator: Annotated[
        Person | None,
        Field(description="Not the victim (the same name and date of birth is refused)."),
    ] = None
    children_in_household: whole(0, CHILDREN_MAX) = 0
    dash_details: Annotated[
        dict[QuestionKey, _text(ANSWER_DETAIL_MAX, multiline=True)] | None,
        Field(
            description="Question number to free-text detail for that answer.",
            json_schema_extra={"propertyNames": {"pattern": QUESTION_NUMBER}},
        ),
    ] = None
    dash_completed_by: Annotated[
        _optional_text(REFERRER_MAX),
        Field(description="Who completed the checklist; required when any answer is given."),
    ] = None
    dash_completed_on: Annotated[
        ADate | None,
        Field(description="Required when any answer is given; not after the day received."),
    ] = None
    detail: Annotated[
        _optional_text(DETAIL_MAX, multiline=True),
        Field(description="Detail of the incident (free text)."),
    ] = None
    consent_basis: _required_choice(CONSENT_BASES)


class ReferralInput(ReferralCreate):
    """The web form's referral: a near match the practitioner confirmed is named by id."""

    victim_person_id: whole(1) | None = None
    perpetrator_person_id: whole(1) | None = None


class AssessRequest(Facts):
    """Facts to score with the rule set in use (nothing is stored)."""

    received_at: Moment
    last_marac_referral_at: Annotated[
        Moment | None,
        Field(
            description="When this victim and perpetrator were last referred to MARAC, if "
            "ever (for the repeat criterion); not after received_at."
        ),
    ] = None
