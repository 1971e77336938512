"""Field checks for one referral's input: each returns the cleaned value or records why not.

Problems are collected (never raised one at a time) so that the person filling the form
hears about every one at once; `intake_validation.IntakeInvalid` carries them to the caller.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from triage.services.people import match_key
from triage.vocabulary import (
    ADDRESS_MAX,
    ANSWER_DETAIL_MAX,
    EARLIEST_BIRTH,
    GENDERS,
    MIN_VICTIM_AGE,
    NAME_MAX,
    POSTCODE_MAX,
)

PERSON_FIELDS = frozenset(
    {
        "first_name",
        "last_name",
        "date_of_birth",
        "postcode",
        "gender",
        "address",
        "racially_minoritised",
        "lgbt",
        "disabled",
    }
)
ROLE_WORD = {"victim": "victim", "perpetrator": "perpetrator"}
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")


class Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def has(self, prefix: str) -> bool:
        return any(e["field"] == prefix or e["field"].startswith(prefix + ".") for e in self.items)


def text(
    errors: Errors,
    field: str,
    value: object,
    *,
    required: str | None = None,
    max_length: int,
    label: str,
) -> str | None:
    """Stripped text, None when empty. `required` is the message when it must be given."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(field, f"{label} must be text")
        return None
    value = value.strip()
    if not value:
        if required:
            errors.add(field, required)
        return None
    if len(value) > max_length:
        errors.add(field, f"{label} must be {max_length} characters or fewer")
        return None
    return value


def a_date(errors: Errors, field: str, value: object, label: str) -> date | None:
    """A date, or an ISO 8601 date string (JSON has no date type); None when not given."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        errors.add(field, f"{label} must be a date, not a date and time")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors.add(field, f"{label} must be a real date, like 1990-03-27")
    return None


def moment(errors: Errors, field: str, value: object, label: str) -> datetime | None:
    """An aware datetime, or an ISO 8601 string with an offset."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            errors.add(field, f"{label} must be a date and time, like 2026-05-03T09:30:00+01:00")
            return None
    if not isinstance(value, datetime):
        errors.add(field, f"{label} must be a date and time")
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        errors.add(field, f"{label} must carry a time zone")
        return None
    return value.astimezone(UTC)


def whole(errors: Errors, field: str, value: object, label: str, maximum: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, f"{label} must be a whole number")
        return None
    if value < 0:
        errors.add(field, f"{label} must be 0 or more")
        return None
    if value > maximum:
        errors.add(field, f"{label} must be {maximum} or fewer")
        return None
    return value


def flag(errors: Errors, field: str, value: object, label: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    errors.add(field, f"{label} must be yes, no or not known")
    return None


def normalise_postcode(value: str) -> str | None:
    """'e151aa' -> 'E15 1AA'; None if it is not the shape of a UK postcode."""
    compact = re.sub(r"\s+", "", value.upper())
    match = _POSTCODE.match(compact)
    return f"{match.group(1)} {match.group(2)}" if match else None


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def person(errors: Errors, role: str, raw: object, today: date) -> dict[str, Any] | None:
    """Check one person's details; the cleaned dict, or None if anything is wrong."""
    word = ROLE_WORD[role]
    if not isinstance(raw, Mapping):
        errors.add(role, f"Give the {word}'s details")
        return None
    before = len(errors.items)
    for key in raw:
        if key not in PERSON_FIELDS:
            errors.add(f"{role}.{key}", "Unknown field")
    clean: dict[str, Any] = {}
    for key, label in (("first_name", "first name"), ("last_name", "last name")):
        value = text(
            errors,
            f"{role}.{key}",
            raw.get(key),
            required=f"Enter the {word}'s {label}",
            max_length=NAME_MAX,
            label=f"The {word}'s {label}",
        )
        if value is not None and not match_key(value, "").strip("|"):
            errors.add(f"{role}.{key}", f"The {word}'s {label} must contain letters")
        clean[key] = value
    clean["date_of_birth"] = _birth_date(errors, role, raw.get("date_of_birth"), today)
    postcode = text(
        errors, f"{role}.postcode", raw.get("postcode"), max_length=POSTCODE_MAX, label="Postcode"
    )
    if postcode is not None:
        postcode = normalise_postcode(postcode)
        if postcode is None:
            errors.add(f"{role}.postcode", "Enter a real postcode, like E15 1AA")
    clean["postcode"] = postcode
    gender = raw.get("gender")
    if gender in (None, ""):
        gender = None
    elif not isinstance(gender, str) or gender not in GENDERS:
        errors.add(f"{role}.gender", f"Gender must be one of: {', '.join(GENDERS)}")
        gender = None
    clean["gender"] = gender
    clean["address"] = text(
        errors, f"{role}.address", raw.get("address"), max_length=ADDRESS_MAX, label="Address"
    )
    for key, label in (
        ("racially_minoritised", "Racially minoritised"),
        ("lgbt", "LGBT+"),
        ("disabled", "Disabled"),
    ):
        clean[key] = flag(errors, f"{role}.{key}", raw.get(key), label)
    return clean if len(errors.items) == before else None


def _birth_date(errors: Errors, role: str, value: object, today: date) -> date | None:
    field = f"{role}.date_of_birth"
    born = a_date(errors, field, value, "Date of birth")
    if born is None:
        return None
    if born > today:
        errors.add(field, "Date of birth must be in the past")
    elif born < EARLIEST_BIRTH:
        errors.add(field, "Date of birth must be after 1 January 1900")
    elif role == "victim" and _age_on(born, today) < MIN_VICTIM_AGE:
        errors.add(
            field,
            "The victim must be aged 16 or over: for a child, make a child "
            "safeguarding referral instead",
        )
    return born


def person_id(errors: Errors, field: str, value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.add(field, "Must be the id of a person offered as a match")
        return None
    return value


def dash_details(errors: Errors, raw: object, questions: int) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        errors.add("dash_details", "Must map question numbers to text")
        return {}
    clean: dict[str, str] = {}
    for key, value in raw.items():
        field = f"dash_details.{key}"
        number = int(key) if isinstance(key, int | str) and str(key).isdigit() else None
        if isinstance(key, bool) or number is None or not 1 <= number <= questions:
            errors.add(field, f"Unknown question; questions are numbered 1 to {questions}")
            continue
        if str(number) in clean:
            errors.add(field, f"Detail for question {number} is given twice")
            continue
        detail = text(
            errors,
            f"dash_details.{number}",
            value,
            max_length=ANSWER_DETAIL_MAX,
            label=f"Detail for question {number}",
        )
        if detail is not None:
            clean[str(number)] = detail
    return clean
