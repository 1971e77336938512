"""Checking one referral's input: `check_referral` returns it cleaned, or raises
`IntakeInvalid` listing every problem (the rule engine's `InvalidFacts` included, under the
same field names). Nothing is written: the look-ups it needs (a stored police reference,
who the people are, the pair's last referral to MARAC) only read.

The data shape, the code lists and the messages are in docs/intake.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from triage.extensions import db
from triage.models import Referral
from triage.models.referral import SOURCE_AGENCIES
from triage.rules import Assessment, InvalidFacts, RuleSet, assess
from triage.services import intake_fields as check
from triage.services.intake_fields import Errors
from triage.services.person_details import Viewer
from triage.services.person_matching import Resolved, resolve, same_person
from triage.services.repeats import last_marac_referral_at
from triage.vocabulary import (
    CHILDREN_MAX,
    CONSENT_BASES,
    DETAIL_MAX,
    JUDGEMENT_REASON_MAX,
    POLICE_REFERENCE_MAX,
    REFERRER_MAX,
)

LONDON = ZoneInfo("Europe/London")

TOP_LEVEL_FIELDS = frozenset(
    {
        "source_agency",
        "referrer_name",
        "referrer_contact",
        "police_reference",
        "received_at",
        "victim",
        "perpetrator",
        "victim_person_id",
        "perpetrator_person_id",
        "children_in_household",
        "dash",
        "dash_details",
        "police_callouts_12m",
        "professional_judgement",
        "professional_judgement_reason",
        "victim_needs",
        "perpetrator_management",
        "detail",
        "dash_completed_by",
        "dash_completed_on",
        "consent_basis",
    }
)


class IntakeInvalid(ValueError):
    """A referral that cannot be accepted. `.errors`: [{"field", "message"}], all at once."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = list(errors)
        listed = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)
        super().__init__(f"invalid referral: {listed}")

    def fields(self) -> set[str]:
        return {e["field"] for e in self.errors}


@dataclass(frozen=True)
class CheckedReferral:
    """A referral that may be stored: cleaned values, resolved people, its assessment."""

    source_agency: str
    referrer_name: str
    referrer_contact: str | None
    police_reference: str | None
    received_at: datetime
    victim: Resolved
    perpetrator: Resolved | None
    children_in_household: int
    dash_details: dict[str, str]
    detail: str | None
    dash_completed_by: str | None
    dash_completed_on: date | None
    consent_basis: str
    facts: dict[str, Any]  # what the rule engine was given
    assessment: Assessment


def check_referral(
    data: object, *, ruleset: RuleSet, now: datetime, viewer: Viewer
) -> CheckedReferral:
    """The referral cleaned and assessed, or `IntakeInvalid` with every problem. People are
    matched only against cases `viewer` may see (see person_matching)."""
    errors = Errors()
    if not isinstance(data, Mapping):
        raise IntakeInvalid([{"field": "referral", "message": "Must be a mapping of fields"}])
    for key in data:
        if key not in TOP_LEVEL_FIELDS:
            errors.add(str(key), "Unknown field")
    sender = _sender(errors, data)
    received_at = _received_at(errors, data, now)
    received_day = received_at.astimezone(LONDON).date()
    victim_details, perpetrator_details, children = _people(errors, data, received_day)
    recorded = _checklist(errors, data, ruleset, received_day)
    victim, perpetrator = _resolve_people(errors, data, victim_details, perpetrator_details, viewer)

    last_marac = last_marac_referral_at(
        victim.person_id if victim else None,
        perpetrator.person_id if perpetrator else None,
        received_at,
    )
    facts = {
        "dash": data.get("dash"),
        "police_callouts_12m": data.get("police_callouts_12m", 0),
        "professional_judgement": data.get("professional_judgement"),
        "professional_judgement_reason": recorded.pop("reason"),
        "victim_needs": data.get("victim_needs"),
        "perpetrator_management": data.get("perpetrator_management"),
        "received_at": received_at,
        "last_marac_referral_at": last_marac,
    }
    assessment: Assessment | None = None
    try:
        assessment = assess(facts, ruleset)
    except InvalidFacts as exc:
        for error in exc.errors:
            errors.add(**_engine_message(error))

    if errors.items or assessment is None or victim is None or children is None:
        raise IntakeInvalid(errors.items)
    return CheckedReferral(
        **sender,
        received_at=received_at,
        victim=victim,
        perpetrator=perpetrator,
        children_in_household=children,
        **recorded,
        facts=facts,
        assessment=assessment,
    )


def _sender(errors: Errors, data: Mapping[str, Any]) -> dict[str, Any]:
    """Who sent it (a police reference already stored is refused)."""
    source = data.get("source_agency")
    if source in (None, ""):
        errors.add("source_agency", "Select the agency the referral comes from")
    elif not isinstance(source, str) or source not in SOURCE_AGENCIES:
        errors.add("source_agency", f"Source agency must be one of: {', '.join(SOURCE_AGENCIES)}")
    referrer_name = check.text(
        errors,
        "referrer_name",
        data.get("referrer_name"),
        required="Enter the name of the person making the referral",
        max_length=REFERRER_MAX,
        label="Referrer's name",
    )
    referrer_contact = check.text(
        errors,
        "referrer_contact",
        data.get("referrer_contact"),
        max_length=REFERRER_MAX,
        label="Referrer's contact details",
    )
    police_reference = check.text(
        errors,
        "police_reference",
        data.get("police_reference"),
        max_length=POLICE_REFERENCE_MAX,
        label="Police reference",
    )
    if police_reference is not None and db.session.scalar(
        select(Referral.id).where(func.lower(Referral.police_reference) == police_reference.lower())
    ):
        errors.add("police_reference", "A referral with this police reference already exists")
    return {
        "source_agency": source,
        "referrer_name": referrer_name,
        "referrer_contact": referrer_contact,
        "police_reference": police_reference,
    }


def _received_at(errors: Errors, data: Mapping[str, Any], now: datetime) -> datetime:
    if data.get("received_at") in (None, ""):
        return now
    checked = check.moment(errors, "received_at", data["received_at"], "Date and time received")
    if checked is not None and checked > now:
        errors.add("received_at", "Date and time received must not be in the future")
        return now
    return checked if checked is not None else now


def _people(
    errors: Errors, data: Mapping[str, Any], received_day: date
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, int | None]:
    """The victim's and perpetrator's details, and the number of children in the household."""
    victim = check.person(errors, "victim", data.get("victim"), received_day)
    perpetrator = None
    if data.get("perpetrator") is not None:
        perpetrator = check.person(errors, "perpetrator", data.get("perpetrator"), received_day)
    return victim, perpetrator, _children(errors, data)


def _children(errors: Errors, data: Mapping[str, Any]) -> int | None:
    """Checked here, after the people and their ids, to keep the order of the messages."""
    check.person_id(errors, "victim_person_id", data.get("victim_person_id"))
    pid = check.person_id(errors, "perpetrator_person_id", data.get("perpetrator_person_id"))
    if pid is not None and data.get("perpetrator") is None:
        errors.add("perpetrator_person_id", "Give the perpetrator's details as well")
    return check.whole(
        errors,
        "children_in_household",
        data.get("children_in_household", 0),
        "Number of children",
        CHILDREN_MAX,
    )


def _resolve_people(
    errors: Errors,
    data: Mapping[str, Any],
    victim: dict[str, Any] | None,
    perpetrator: dict[str, Any] | None,
    viewer: Viewer,
) -> tuple[Resolved | None, Resolved | None]:
    """Read-only look-ups now; records are written only once everything is valid."""
    victim_pid = _valid_id(data.get("victim_person_id"))
    perpetrator_pid = _valid_id(data.get("perpetrator_person_id"))
    victim_match = resolve(errors, "victim", victim, victim_pid, viewer=viewer)
    perpetrator_match = resolve(errors, "perpetrator", perpetrator, perpetrator_pid, viewer=viewer)
    if victim_match and perpetrator_match and same_person(victim_match, perpetrator_match):
        errors.add("perpetrator", "The victim and the perpetrator cannot be the same person")
    return victim_match, perpetrator_match


def _valid_id(value: object) -> int | None:
    ok = isinstance(value, int) and not isinstance(value, bool) and value >= 1
    return value if ok else None


def _checklist(
    errors: Errors, data: Mapping[str, Any], ruleset: RuleSet, received_day: date
) -> dict[str, Any]:
    """The checklist's details, who completed it and when, the incident, the consent basis
    (and the judgement reason, stripped, for the facts)."""
    dash_details = check.dash_details(errors, data.get("dash_details"), len(ruleset.dash_questions))
    detail = check.text(
        errors, "detail", data.get("detail"), max_length=DETAIL_MAX, label="Detail of the incident"
    )
    reason = data.get("professional_judgement_reason")
    if isinstance(reason, str):
        reason = reason.strip()
        if len(reason) > JUDGEMENT_REASON_MAX:
            errors.add(
                "professional_judgement_reason",
                f"The reason must be {JUDGEMENT_REASON_MAX} characters or fewer",
            )
    dash = data.get("dash")
    any_answered = isinstance(dash, Mapping) and any(v != "not_asked" for v in dash.values())
    completed_by = check.text(
        errors,
        "dash_completed_by",
        data.get("dash_completed_by"),
        required="Enter who completed the Dash checklist" if any_answered else None,
        max_length=REFERRER_MAX,
        label="Who completed the checklist",
    )
    completed_on = check.a_date(
        errors, "dash_completed_on", data.get("dash_completed_on"), "Date the checklist was done"
    )
    if completed_on is None and any_answered and not errors.has("dash_completed_on"):
        errors.add("dash_completed_on", "Enter the date the Dash checklist was completed")
    elif completed_on is not None and completed_on > received_day:
        errors.add(
            "dash_completed_on",
            "The checklist must have been completed on or before the day the referral was received",
        )
    return {
        "dash_details": dash_details,
        "detail": detail,
        "dash_completed_by": completed_by,
        "dash_completed_on": completed_on,
        "consent_basis": _consent(errors, data.get("consent_basis")),
        "reason": reason,
    }


def _consent(errors: Errors, consent: object) -> Any:
    if consent in (None, ""):
        errors.add("consent_basis", "Select the basis for sharing the victim's information")
    elif not isinstance(consent, str) or consent not in CONSENT_BASES:
        errors.add("consent_basis", f"Consent basis must be one of: {', '.join(CONSENT_BASES)}")
    return consent


def _engine_message(error: dict[str, str]) -> dict[str, str]:
    message = error["message"]
    return {"field": error["field"], "message": message[:1].upper() + message[1:]}
