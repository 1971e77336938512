"""Validation of the facts an assessment is made from.

Every problem is collected before anything is decided, so a caller gets one
`InvalidFacts` listing them all (for a form to show against its fields) and never
a half result.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from triage.rules.catalogue import ANSWERS, NOT_ASKED

if TYPE_CHECKING:
    from triage.rules.ruleset import RuleSet

FIELDS = (
    "dash",
    "police_callouts_12m",
    "professional_judgement",
    "professional_judgement_reason",
    "victim_needs",
    "perpetrator_management",
    "received_at",
    "last_marac_referral_at",
)
_DIGITS = re.compile(r"[0-9]+")

_Report = Callable[[str, str], None]


class InvalidFacts(ValueError):
    """Facts that cannot be assessed. `.errors` is a list of {"field", "message"} dicts."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = list(errors)
        listed = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)
        super().__init__(f"invalid facts: {listed}")


@dataclass(frozen=True)
class Facts:
    """Validated, normalised facts: every question answered (missing = not asked),
    codes in catalogue order."""

    dash: Mapping[int, str]
    police_callouts_12m: int
    professional_judgement: bool
    professional_judgement_reason: str
    victim_needs: tuple[str, ...]
    perpetrator_management: tuple[str, ...]
    received_at: datetime
    last_marac_referral_at: datetime | None


def validate_facts(raw: Mapping[str, Any], ruleset: RuleSet) -> Facts:
    """Check raw facts against the rule set's catalogues; raise InvalidFacts listing all errors."""
    if not isinstance(raw, Mapping):
        raise InvalidFacts([{"field": "facts", "message": "must be a mapping of field to value"}])
    errors: list[dict[str, str]] = []

    def error(field: str, message: str) -> None:
        errors.append({"field": field, "message": message})

    for key in raw:
        if key not in FIELDS:
            error(str(key), "unknown field")

    # A key that is missing or None takes its default (no checklist, no needs, no
    # judgement), except the call-out count: an unknown count is not zero.
    def optional(key: str, default: object) -> Any:
        value = raw.get(key)
        return default if value is None else value

    dash = _dash(optional("dash", {}), len(ruleset.dash_questions), error)

    callouts = raw.get("police_callouts_12m", 0)
    if isinstance(callouts, bool) or not isinstance(callouts, int) or callouts < 0:
        error("police_callouts_12m", "must be a whole number, 0 or more")

    judgement = optional("professional_judgement", False)
    reason = optional("professional_judgement_reason", "")
    if not isinstance(judgement, bool):
        error("professional_judgement", "must be true or false")
    if not isinstance(reason, str):
        error("professional_judgement_reason", "must be text")
    elif judgement is True and not reason.strip():
        error(
            "professional_judgement_reason",
            "a written reason is required when the case is judged high risk",
        )

    needs = _codes(
        "victim_needs", optional("victim_needs", []), [e.code for e in ruleset.victim_needs], error
    )
    management = _codes(
        "perpetrator_management",
        optional("perpetrator_management", []),
        [e.code for e in ruleset.perpetrator_management],
        error,
    )

    received = _moment("received_at", raw.get("received_at"), error, required=True)
    last = _moment("last_marac_referral_at", raw.get("last_marac_referral_at"), error)
    if received is not None and last is not None and last > received:
        error(
            "last_marac_referral_at",
            "is after received_at: the last referral to MARAC must come before this referral",
        )

    if errors:
        raise InvalidFacts(errors)
    assert received is not None  # an error above otherwise
    return Facts(
        dash=dash,
        police_callouts_12m=callouts,
        professional_judgement=judgement,
        professional_judgement_reason=reason,
        victim_needs=needs,
        perpetrator_management=management,
        received_at=received,
        last_marac_referral_at=last,
    )


def _dash(value: object, questions: int, error: _Report) -> dict[int, str]:
    answers = dict.fromkeys(range(1, questions + 1), NOT_ASKED)
    if not isinstance(value, Mapping):
        error("dash", "must map question numbers to answers")
        return answers
    given: dict[int, object] = {}
    for key, answer in value.items():
        field = f"dash.{key}"
        number = _question_number(key)
        if number is None or not 1 <= number <= questions:
            error(field, f"unknown question; questions are numbered 1 to {questions}")
            continue
        if number in given:
            error(field, f"question {number} is answered twice (as {given[number]!r} and {key!r})")
            continue
        given[number] = key
        if not isinstance(answer, str) or answer not in ANSWERS:
            error(field, f"unknown answer {answer!r}; expected one of {', '.join(ANSWERS)}")
            continue
        answers[number] = answer
    return answers


def _question_number(key: object) -> int | None:
    # Keys arrive as ints from code and as strings from JSON or form data.
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    if isinstance(key, str) and _DIGITS.fullmatch(key):
        return int(key)
    return None


def _codes(field: str, value: object, catalogue: list[str], error: _Report) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        error(field, "must be a list of codes")
        return ()
    seen: set[str] = set()
    for index, code in enumerate(value):
        if not isinstance(code, str) or code not in catalogue:
            error(
                f"{field}[{index}]",
                f"unknown code {code!r}; expected one of {', '.join(catalogue)}",
            )
        elif code in seen:
            error(f"{field}[{index}]", f"{code!r} is listed twice")
        else:
            seen.add(code)
    return tuple(code for code in catalogue if code in seen)


def _moment(field: str, value: object, error: _Report, required: bool = False) -> datetime | None:
    if value is None:
        if required:
            error(field, "is required")
        return None
    if not isinstance(value, datetime):
        error(field, "must be a date and time with a time zone")
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        error(field, "must carry a time zone; a naive date and time is ambiguous")
        return None
    return value
