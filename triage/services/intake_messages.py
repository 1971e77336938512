"""The intake service's words for a problem: the field's label and what is wrong with it,
e.g. "Number of children must be a whole number", or the question the form asks for a
missing answer ("Enter the victim's first name"). Messages never quote the value given."""

from __future__ import annotations

import re

from triage.field_validation import Problem

ROLES = ("victim", "perpetrator")

LABELS = {
    "source_agency": "Source agency",
    "referrer_name": "Referrer's name",
    "referrer_contact": "Referrer's contact details",
    "police_reference": "Police reference",
    "received_at": "Date and time received",
    "victim_person_id": "The person confirmed as the victim",
    "perpetrator_person_id": "The person confirmed as the perpetrator",
    "children_in_household": "Number of children",
    "dash": "The Dash answers",
    "dash_details": "The details of the answers",
    "dash_completed_by": "Who completed the checklist",
    "dash_completed_on": "Date the checklist was done",
    "detail": "Detail of the incident",
    "consent_basis": "Consent basis",
    "police_callouts_12m": "The number of police call-outs",
    "professional_judgement": "Professional judgement",
    "professional_judgement_reason": "The reason",
    "victim_needs": "The victim's needs",
    "perpetrator_management": "The perpetrator's management",
    "first_name": "The {role}'s first name",
    "last_name": "The {role}'s last name",
    "date_of_birth": "Date of birth",
    "postcode": "Postcode",
    "gender": "Gender",
    "address": "Address",
    "racially_minoritised": "Racially minoritised",
    "lgbt": "LGBT+",
    "disabled": "Disabled",
    # the victim's equality codes and safe contact
    "ethnicity": "Ethnic group",
    "sexual_orientation": "Sexual orientation",
    "trans": "Trans status",
    "disability": "Disability",
    "phone": "Safe phone number",
    "safe_to_call": "Safe to call",
    "safe_to_leave_message": "Safe to leave a message",
    "safe_to_write": "Safe to write",
    "safe_times": "Safe times to contact",
}
REQUIRED = {
    "source_agency": "Select the agency the referral comes from",
    "referrer_name": "Enter the name of the person making the referral",
    "consent_basis": "Select the basis for sharing the victim's information",
    "victim": "Give the victim's details",
    "first_name": "Enter the {role}'s first name",
    "last_name": "Enter the {role}'s last name",
}
_EMPTY = {"missing", "required", "string_too_short"}
_NOT_AN_OBJECT = {"model_type", "model_attributes_type", "dict_type"}
_NUMBERED = re.compile(r"^(dash|dash_details)\.(\w+)$")


class Errors:
    """Problems collected while checking, in the order found."""

    def __init__(self, items: list[dict[str, str]] | None = None) -> None:
        self.items: list[dict[str, str]] = list(items or [])

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def has(self, prefix: str) -> bool:
        return any(e["field"] == prefix or e["field"].startswith(prefix + ".") for e in self.items)

    def has_exactly(self, field: str) -> bool:
        return any(e["field"] == field for e in self.items)


def labelled(problem: Problem) -> dict[str, str]:
    """{"field", "message"} for one shape problem, in the intake service's words."""
    return {"field": problem.field, "message": _message(problem)}


def _message(problem: Problem) -> str:
    path = problem.field
    head, _, name = path.rpartition(".")
    role = head if head in ROLES else ""
    key = name if role else path
    if problem.kind == "extra_forbidden":
        return "Unknown field"
    if key in ROLES and problem.kind in _NOT_AN_OBJECT:
        return f"Give the {key}'s details"
    if problem.kind in _EMPTY and key in REQUIRED:
        return REQUIRED[key].format(role=role)
    if key.endswith("_person_id"):
        return "Must be the id of a person offered as a match"
    if problem.kind == "postcode":
        return "Enter a real postcode, like E15 1AA"
    if problem.kind == "phone":
        return "Enter a UK phone number for the victim, like 07700 900123 or 020 7946 0000"
    return f"{_label(key, role)} {problem.message}"


def _label(key: str, role: str) -> str:
    numbered = _NUMBERED.match(key)
    if numbered:
        kind = "Answer to" if numbered.group(1) == "dash" else "Detail for"
        return f"{kind} question {numbered.group(2)}"
    base = key.split("[", 1)[0]
    if base != key:
        return f"Each of {LABELS.get(base, base).lower()}"
    return LABELS.get(key, key.replace("_", " ").capitalize()).format(role=role)
