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

import contextlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
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

CALLOUTS_MAX = 1000
CODE_MAX = 40
CODES_MAX = 50
QUESTION_NUMBER = r"^[1-9][0-9]?$"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
# What `normalise_postcode` accepts, as a JSON Schema pattern (spaces anywhere; or blank).
POSTCODE_PATTERN = (
    r"^\s*$|^\s*([A-Za-z]\s*){1,2}[0-9]\s*([A-Za-z0-9]\s*)?[0-9]\s*[A-Za-z]\s*[A-Za-z]\s*$"
)


# --------------------------------------------------------------------------- value types


def normalise_postcode(value: str) -> str | None:
    """'e151aa' -> 'E15 1AA'; None if it is not the shape of a UK postcode."""
    match = _POSTCODE.match(re.sub(r"\s+", "", value.upper()))
    return f"{match.group(1)} {match.group(2)}" if match else None


def _blank_is_none(value: object) -> object:
    return None if value is None or (isinstance(value, str) and not value.strip()) else value


def _a_date(value: object) -> object:
    """A date, or an ISO 8601 date string (JSON has no date type); never a date and time."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date_not_datetime", "must be a date, not a date and time")
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise PydanticCustomError("date_format", "must be a date as YYYY-MM-DD")


def _a_moment(value: object) -> object:
    """An aware datetime, or an ISO 8601 string with a UTC offset."""
    if isinstance(value, str) and _DATETIME.match(value.strip()):
        # 30 February matches the pattern: it stays text and is reported below.
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    elif isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}T[\d:.]+$", value.strip()):
        raise PydanticCustomError("naive_datetime", "must carry a time zone")
    if not isinstance(value, datetime):
        raise PydanticCustomError(
            "datetime_format",
            "must be a date and time with a UTC offset, e.g. 2026-05-03T09:30:00+01:00",
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("naive_datetime", "must carry a time zone")
    return value.astimezone(UTC)


def _postcode(value: str | None) -> str | None:
    if value is None:
        return None
    normalised = normalise_postcode(value)
    if normalised is None:
        raise PydanticCustomError("postcode", "must be a real postcode, like E15 1AA")
    return normalised


def _present(value: object) -> object:
    """A code that must be chosen: blank is "not given", not "not one of the codes"."""
    if value is None or value == "":
        raise PydanticCustomError("required", "is required")
    return value


def _question_key(value: object) -> object:
    """Python callers may number questions with ints; JSON object keys are strings."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def _text(max_length: int) -> Any:
    return Annotated[str, Strict(), StringConstraints(strip_whitespace=True, max_length=max_length)]


def _required_text(max_length: int) -> Any:
    """Text that must be given: blank (spaces only) is not given."""
    return Annotated[
        str,
        Strict(),
        StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length),
        Field(json_schema_extra={"pattern": r"\S"}),
    ]


def _optional_text(max_length: int) -> Any:
    return Annotated[_text(max_length) | None, BeforeValidator(_blank_is_none)]


def _unique(codes: list[str] | None) -> list[str] | None:
    if codes is not None and len(set(codes)) != len(codes):
        raise PydanticCustomError("unique", "must not list a code twice")
    return codes


def _codes(description: str) -> Any:
    code = Annotated[str, Strict(), StringConstraints(max_length=CODE_MAX)]
    codes = Annotated[list[code], Field(max_length=CODES_MAX), AfterValidator(_unique)]
    return Annotated[codes | None, Field(description=description, json_schema_extra=_UNIQUE)]


def _choice(codes: Mapping[str, str]) -> Any:
    return Literal[tuple(codes)]


def _required_choice(codes: Mapping[str, str]) -> Any:
    return Annotated[_choice(codes), BeforeValidator(_present)]


_UNIQUE = {"uniqueItems": True}
Flag = Annotated[Annotated[bool, Strict()] | None, Field(description="null = not known")]
ADate = Annotated[date, BeforeValidator(_a_date)]
Moment = Annotated[datetime, BeforeValidator(_a_moment)]
QuestionKey = Annotated[
    str, BeforeValidator(_question_key), StringConstraints(pattern=QUESTION_NUMBER)
]
Whole = Annotated[int, Strict()]


# --------------------------------------------------------------------------- the models


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(_Input):
    """The victim or the perpetrator."""

    first_name: _required_text(NAME_MAX)
    last_name: _required_text(NAME_MAX)
    date_of_birth: ADate | None = None
    postcode: Annotated[
        _optional_text(POSTCODE_MAX),
        AfterValidator(_postcode),
        Field(
            description="A UK postcode, e.g. E15 1AA",
            json_schema_extra={"pattern": POSTCODE_PATTERN},
        ),
    ] = None
    gender: _choice(GENDERS) | None = None
    address: _optional_text(ADDRESS_MAX) = None
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
        Whole,
        Field(
            ge=0,
            le=CALLOUTS_MAX,
            description="Police call-outs for domestic abuse to this victim in the last 12 "
            "months. Missing means 0; null is refused (an unknown count is not zero).",
        ),
    ] = 0
    professional_judgement: Annotated[
        Annotated[bool, Strict()] | None,
        Field(description="The practitioner judges the case high risk whatever the score."),
    ] = None
    professional_judgement_reason: Annotated[
        _optional_text(JUDGEMENT_REASON_MAX),
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
    perpetrator: Person | None = None
    children_in_household: Annotated[Whole, Field(ge=0, le=CHILDREN_MAX)] = 0
    dash_details: Annotated[
        dict[QuestionKey, _text(ANSWER_DETAIL_MAX)] | None,
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
        _optional_text(DETAIL_MAX), Field(description="Detail of the incident (free text).")
    ] = None
    consent_basis: _required_choice(CONSENT_BASES)


class ReferralInput(ReferralCreate):
    """The web form's referral: a near match the practitioner confirmed is named by id."""

    victim_person_id: Annotated[Whole, Field(ge=1)] | None = None
    perpetrator_person_id: Annotated[Whole, Field(ge=1)] | None = None


class AssessRequest(Facts):
    """Facts to score with the rule set in use (nothing is stored)."""

    received_at: Moment
    last_marac_referral_at: Annotated[
        Moment | None,
        Field(
            description="When this victim and perpetrator were last referred to MARAC, if "
            "ever (for the repeat criterion)."
        ),
    ] = None
