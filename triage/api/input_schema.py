"""The request schemas of the OpenAPI document: generated from the one definition of the
input (`triage.referral_input`), then completed with what the server enforces that a
pydantic field cannot say by itself, so that a schema-valid body is accepted and a
schema-invalid one refused:

- the rule set's codes as enums, its question numbers as the keys' pattern;
- a name must hold a letter (a character whose matching key keeps a letter);
- rules between fields: a reason when judged high risk; who completed the checklist and
  when, once any question is answered (`if`/`then`).

What JSON Schema cannot say (it depends on the day, on another date, or on stored data) is
in the fields' descriptions: "received at" not in the future (a few minutes' allowance for
a sender's clock), a date of birth before the day received and a victim aged 16 or over on
it, a checklist done on or before that day, a police reference not already stored, a
perpetrator who is not the victim, and for /assess a last MARAC referral before "received".
"""

from __future__ import annotations

import functools
from typing import Any

from triage.input_fields import BIDI, CONTROL, LINE_BREAKS, text_pattern
from triage.referral_input import AssessRequest, ReferralCreate
from triage.rules import RuleSet
from triage.services.people import normalise_name

REF = "#/components/schemas/{model}"
_LAST_CODE_POINT = 0x1FFFF  # nothing beyond the first two planes normalises to a letter


def input_schemas(ruleset: RuleSet) -> dict[str, Any]:
    """{"ReferralCreate", "AssessRequest", "Person", "Victim"}, for the rule set in use."""
    schemas: dict[str, Any] = {}
    for model in (ReferralCreate, AssessRequest):
        schema = model.model_json_schema(ref_template=REF)
        schemas.update(schema.pop("$defs", {}))
        _rule_set_codes(schema, ruleset)
        schemas[model.__name__] = schema
    for person in ("Person", "Victim"):  # the victim is a person with more fields
        for name in ("first_name", "last_name"):
            if person in schemas:
                schemas[person]["properties"][name]["pattern"] = name_pattern()
    judgement_needs_reason(schemas["ReferralCreate"])
    judgement_needs_reason(schemas["AssessRequest"])
    answers_need_who_and_when(schemas["ReferralCreate"])
    return schemas


def _rule_set_codes(schema: dict[str, Any], ruleset: RuleSet) -> None:
    keys = {"pattern": question_numbers(len(ruleset.dash_questions))}
    for name in ("dash", "dash_details"):
        if name in schema["properties"]:
            _object_option(schema["properties"][name])["propertyNames"] = keys
    for name, entries in (
        ("victim_needs", ruleset.victim_needs),
        ("perpetrator_management", ruleset.perpetrator_management),
    ):
        field = schema["properties"][name]
        codes = [e.code for e in entries]
        _array_option(field)["items"]["enum"] = codes
        field["description"] = f"{field['description'][:-1]}: {', '.join(codes)}."


def question_numbers(count: int) -> str:
    """A pattern for the numbers 1..count, as strings without leading zeros."""
    tens, units = divmod(count, 10)
    options = ["[1-9]"] if count >= 9 else [f"[1-{count}]"] if count else []
    for ten in range(1, tens):
        options.append(f"{ten}[0-9]")
    if tens:
        options.append(f"{tens}[0-{units}]" if units else f"{tens}0")
    return "^(" + "|".join(options) + ")$"


def _object_option(field: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in field.get("anyOf", [field]) if o.get("type") == "object")


def _array_option(field: dict[str, Any]) -> dict[str, Any]:
    return next(o for o in field.get("anyOf", [field]) if o.get("type") == "array")


@functools.cache
def name_pattern() -> str:
    """One-line text with at least one character whose matching key keeps a letter (the
    intake service's "must contain letters"), spelt out as a character class."""
    letters = [c for c in range(_LAST_CODE_POINT + 1) if _is_letter(c)]
    allowed = f"[^{CONTROL}{LINE_BREAKS}{BIDI}]"
    return f"^{allowed}*[{_ranges(letters)}]{allowed}*$"


def _is_letter(code_point: int) -> bool:
    if 0xD800 <= code_point <= 0xDFFF:
        return False
    char = chr(code_point)
    return bool(normalise_name(char).strip())


def _ranges(code_points: list[int]) -> str:
    parts: list[str] = []
    start = previous = code_points[0]
    for point in [*code_points[1:], None]:
        if point is not None and point == previous + 1:
            previous = point
            continue
        parts.append(_char(start) if start == previous else f"{_char(start)}-{_char(previous)}")
        if point is not None:
            start = previous = point
    return "".join(parts)


def _char(code_point: int) -> str:
    # A four-hex-digit escape in the first plane (ECMA-262 and Python agree); the character
    # itself beyond it.
    return f"\\u{code_point:04x}" if code_point <= 0xFFFF else chr(code_point)


def judgement_needs_reason(schema: dict[str, Any]) -> None:
    """professional_judgement true => a reason that is not blank."""
    schema.setdefault("allOf", []).append(
        {
            "if": {
                "properties": {"professional_judgement": {"const": True}},
                "required": ["professional_judgement"],
            },
            "then": {
                "required": ["professional_judgement_reason"],
                "properties": {
                    "professional_judgement_reason": {
                        "type": "string",
                        "pattern": text_pattern(multiline=True, required=True),
                    }
                },
            },
        }
    )


def answers_need_who_and_when(schema: dict[str, Any]) -> None:
    """Any answer other than not_asked => who completed the checklist, and when."""
    schema.setdefault("allOf", []).append(
        {
            "if": {
                "properties": {
                    "dash": {
                        "type": "object",
                        "not": {"additionalProperties": {"const": "not_asked"}},
                    }
                },
                "required": ["dash"],
            },
            "then": {
                "required": ["dash_completed_by", "dash_completed_on"],
                "properties": {
                    "dash_completed_by": {
                        "type": "string",
                        "pattern": text_pattern(multiline=False, required=True),
                    },
                    "dash_completed_on": {"type": "string"},
                },
            },
        }
    )
