"""The field types of the referral input (`triage.referral_input`): text that refuses
what the database or a reader must never get (control characters; bidi overrides on one
line), dates and date-times within 1900-2100, whole numbers, code lists, and the JSON
Schema patterns that publish exactly those rules (`api/input_schema.py`)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
)
from pydantic_core import PydanticCustomError

CALLOUTS_MAX = 1000
CODE_MAX = 40
CODES_MAX = 50
QUESTION_NUMBER = r"^[1-9][0-9]?$"
# Dates and times are taken between these years only (nothing real is outside them, and a
# year 1 or 9999 cannot be moved to UTC); the published patterns say the same.
FIRST_YEAR, LAST_YEAR = 1900, 2100
_YEAR = "(19[0-9]{2}|20[0-9]{2}|2100)"
DATE_PATTERN = f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}$"
# RFC 3339 as JSON Schema's "date-time" has it: seconds required, an offset or Z.
DATETIME_PATTERN = (
    f"^{_YEAR}-[0-9]{{2}}-[0-9]{{2}}T[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}(\\.[0-9]{{1,6}})?"
    "(Z|[+-][0-9]{2}:[0-9]{2})$"
)
_DATE = re.compile(DATE_PATTERN)
_DATETIME = re.compile(DATETIME_PATTERN)
_ANY_YEAR_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}")
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
# What `normalise_postcode` accepts, as a JSON Schema pattern (spaces anywhere; or blank).
_SP = "[ \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
POSTCODE_PATTERN = (
    f"^{_SP}*$|^{_SP}*([A-Za-z]{_SP}*){{1,2}}[0-9]{_SP}*([A-Za-z0-9]{_SP}*)?[0-9]{_SP}*"
    f"[A-Za-z]{_SP}*[A-Za-z]{_SP}*$"
)


# --------------------------------------------------------------------------- value types


def normalise_postcode(value: str) -> str | None:
    """'e151aa' -> 'E15 1AA'; None if it is not the shape of a UK postcode."""
    compact = re.sub(_SP, "", value)
    if not re.fullmatch(r"[A-Za-z0-9]+", compact):  # ASCII only, as the pattern says
        return None
    match = _POSTCODE.match(compact.upper())
    return f"{match.group(1)} {match.group(2)}" if match else None


def _blank_is_none(value: object) -> object:
    blank = isinstance(value, str) and not value.strip(_SPACE_CHARS)
    return None if value is None or blank else value


def _a_date(value: object) -> object:
    """A date, or an ISO 8601 date string (JSON has no date type); never a date and time."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date_not_datetime", "must be a date, not a date and time")
    if isinstance(value, date):
        return _in_range(value)
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    if isinstance(value, str) and _ANY_YEAR_DATE.match(value):
        raise _out_of_range()
    raise PydanticCustomError("date_format", "must be a date as YYYY-MM-DD")


def _out_of_range() -> PydanticCustomError:
    return PydanticCustomError("date_range", f"must be between {FIRST_YEAR} and {LAST_YEAR}")


def _in_range(value: date) -> date:
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise _out_of_range()
    return value


def _a_moment(value: object) -> object:
    """An aware datetime, or an ISO 8601 string with a UTC offset."""
    if isinstance(value, str) and _DATETIME.match(value):
        # 30 February matches the pattern: it stays text and is reported below.
        with contextlib.suppress(ValueError):
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    elif isinstance(value, str) and re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+$", value):
        raise PydanticCustomError("naive_datetime", "must carry a time zone")
    elif (
        isinstance(value, str)
        and _ANY_YEAR_DATE.match(value)
        and not FIRST_YEAR <= int(value[:4]) <= LAST_YEAR
    ):
        raise _out_of_range()
    if not isinstance(value, datetime):
        raise PydanticCustomError(
            "datetime_format",
            "must be a date and time with a UTC offset, e.g. 2026-05-03T09:30:00+01:00",
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("naive_datetime", "must carry a time zone")
    _in_range(value.date())
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


# Characters refused in text (issue 12): C0 and C1 controls (newline, carriage return and
# tab are allowed in multi-line fields), and in one-line fields (names, references) the
# bidirectional overrides and isolates that make a name display as something else.
CONTROL = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f"
LINE_BREAKS = "\\t\\n\\r"
BIDI = "\\u202a-\\u202e\\u2066-\\u2069"
# Blank means only these (ECMAScript's whitespace, spelt out so that the published pattern
# and the server mean the same characters).
SPACES = "\\t\\n\\u000b\\u000c\\r " + _SP[1:-1]
_SPACE_CHARS = (
    "".join(
        chr(c) for c in (*range(9, 14), 32, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029)
    )
    + "\u202f\u205f\u3000\ufeff"
)
_CONTROL_RE = re.compile(f"[{CONTROL}]")
_LINE_BREAK_RE = re.compile(f"[{LINE_BREAKS}]")
_BIDI_RE = re.compile(f"[{BIDI}]")


def text_pattern(*, multiline: bool, required: bool) -> str:
    """The JSON Schema pattern of a text field: what `_clean_text` accepts, exactly."""
    allowed = f"[^{CONTROL}]" if multiline else f"[^{CONTROL}{LINE_BREAKS}{BIDI}]"
    if not required:
        return f"^{allowed}*$"
    solid = f"[^{CONTROL}{SPACES}{BIDI}]" if not multiline else f"[^{CONTROL}{SPACES}]"
    return f"^{allowed}*{solid}{allowed}*$"


def text_problem(value: str, *, multiline: bool) -> str | None:
    """Why this text is refused (an error kind), or None: the one rule every door uses."""
    if _CONTROL_RE.search(value) or (not multiline and _LINE_BREAK_RE.search(value)):
        return "control_characters"
    if not multiline and _BIDI_RE.search(value):
        return "bidi_characters"
    return None


_TEXT_MESSAGES = {
    "control_characters": "must not contain control characters",
    "bidi_characters": "must not contain right-to-left or left-to-right override characters",
}


def _clean_text(multiline: bool, required: bool) -> Any:
    def clean(value: str) -> str:
        kind = text_problem(value, multiline=multiline)
        if kind:
            raise PydanticCustomError(kind, _TEXT_MESSAGES[kind])
        value = value.strip(_SPACE_CHARS)
        if required and not value:
            raise PydanticCustomError("required", "is required")
        return value

    return clean


def _text(max_length: int, *, multiline: bool = False, required: bool = False) -> Any:
    """Text, its length counted as given (before trimming, as JSON Schema counts it)."""
    return Annotated[
        str,
        Strict(),
        StringConstraints(max_length=max_length),
        AfterValidator(_clean_text(multiline, required)),
        Field(json_schema_extra={"pattern": text_pattern(multiline=multiline, required=required)}),
    ]


def _required_text(max_length: int) -> Any:
    """One-line text that must be given: blank (spaces only) is not given."""
    return _text(max_length, required=True)


def _optional_text(max_length: int, *, multiline: bool = False) -> Any:
    return Annotated[_text(max_length, multiline=multiline) | None, BeforeValidator(_blank_is_none)]


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
ADate = Annotated[
    date, BeforeValidator(_a_date), Field(json_schema_extra={"pattern": DATE_PATTERN})
]
Moment = Annotated[
    datetime, BeforeValidator(_a_moment), Field(json_schema_extra={"pattern": DATETIME_PATTERN})
]
QuestionKey = Annotated[
    str, BeforeValidator(_question_key), StringConstraints(pattern=QUESTION_NUMBER)
]


def _integral(value: object) -> object:
    """JSON Schema counts 2.0 as an integer (JSON has one number type): so does the server."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def whole(minimum: int, maximum: int | None = None) -> Any:
    """A whole number within its bounds (the bounds inside, so the schema states them)."""
    bounds = Field(ge=minimum) if maximum is None else Field(ge=minimum, le=maximum)
    return Annotated[int, Strict(), bounds, BeforeValidator(_integral)]


# --------------------------------------------------------------------------- the models
