"""Checking one referral's input: `check_referral` returns it cleaned, or raises
`IntakeInvalid` listing every problem at once.

The shape is the one definition in `triage.referral_input` (pydantic); this module adds
what needs the day, the rule set or the database: ages and dates against the day received,
the questions of the rule set, a police reference already stored, who the people are, the
pair's last referral to MARAC and the rule engine's own checks (`InvalidFacts`, under the
same field names). Nothing is written: those look-ups only read.

The data shape, the code lists and the messages are in docs/intake.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import func, or_, select

from triage.equality import derived_flags
from triage.extensions import db
from triage.field_validation import check_fields
from triage.models import Referral
from triage.referral_input import ReferralInput
from triage.rules import Assessment, InvalidFacts, RuleSet, assess
from triage.services.intake_messages import ROLES, Errors, labelled
from triage.services.people import match_key
from triage.services.person_details import Viewer
from triage.services.person_matching import NotACandidate, Resolved, resolve_all, same_person
from triage.services.repeats import last_marac_referral_at
from triage.vocabulary import EARLIEST_BIRTH, MIN_VICTIM_AGE

LONDON = ZoneInfo("Europe/London")
FACT_FIELDS = (
    "dash",
    "police_callouts_12m",
    "professional_judgement",
    "victim_needs",
    "perpetrator_management",
)
# How far ahead of the server's clock a sender's "received at" may be (their clock runs fast).
DEFAULT_CLOCK_SKEW = timedelta(minutes=5)


class IntakeInvalid(ValueError):
    """A referral that cannot be accepted. `.errors`: [{"field", "message"}], all at once."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = list(errors)
        listed = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)
        super().__init__(f"invalid referral: {listed}")

    def fields(self) -> set[str]:
        return {e["field"] for e in self.errors}


class Lookups(Protocol):
    """The three things checking a referral reads from the database. The default reads them
    one referral at a time; the bulk CSV import answers them from what it read for the whole
    file (`import_lookups`), so every door runs the same checks with the same messages."""

    def reference_taken(self, reference: str) -> bool: ...

    def resolve_all(
        self, people: dict[str, tuple[dict[str, Any], int | None]], *, viewer: Viewer
    ) -> dict[str, Resolved | NotACandidate]: ...

    def last_marac_referral_at(
        self, victim: Resolved | None, perpetrator: Resolved | None, before: datetime
    ) -> datetime | None: ...


class DatabaseLookups:
    """One query per question, in the caller's transaction (the form and the API)."""

    def reference_taken(self, reference: str) -> bool:
        # The exact value as well: SQLite's lower() folds ASCII only, so "Ǆ1" would pass the
        # case-blind test and then hit the unique constraint (a crash, not a field error).
        same = or_(
            Referral.police_reference == reference,
            func.lower(Referral.police_reference) == reference.lower(),
        )
        return db.session.scalar(select(Referral.id).where(same)) is not None

    def resolve_all(
        self, people: dict[str, tuple[dict[str, Any], int | None]], *, viewer: Viewer
    ) -> dict[str, Resolved | NotACandidate]:
        return resolve_all(people, viewer=viewer)

    def last_marac_referral_at(
        self, victim: Resolved | None, perpetrator: Resolved | None, before: datetime
    ) -> datetime | None:
        return last_marac_referral_at(
            victim.person_id if victim else None,
            perpetrator.person_id if perpetrator else None,
            before,
        )


_DATABASE = DatabaseLookups()


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
    data: object,
    *,
    ruleset: RuleSet,
    now: datetime,
    viewer: Viewer,
    shape: type[BaseModel] = ReferralInput,
    clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
    lookups: Lookups = _DATABASE,
) -> CheckedReferral:
    """The referral cleaned and assessed, or `IntakeInvalid` with every problem. People are
    matched only against cases `viewer` may see (see person_matching).

    `shape` is the model the caller's door accepts (the API's has no confirmed person ids);
    `clock_skew` how far in the future "received at" may be (settings.received_clock_skew);
    `lookups` what the database is asked (DatabaseLookups unless a bulk import answers)."""
    if not isinstance(data, Mapping):
        raise IntakeInvalid([{"field": "referral", "message": "Must be a mapping of fields"}])
    clean, problems = check_fields(shape, data)
    errors = Errors([labelled(problem) for problem in problems])
    received_at = _received_at(errors, clean, now, clock_skew)
    received_day = received_at.astimezone(LONDON).date()
    _check_sender(errors, clean, lookups)
    for role in ROLES:
        _check_person(errors, role, clean, received_day)
    _derive_equality_flags(errors, clean.get("victim"))
    _check_checklist(errors, data, clean, ruleset, received_day, now.astimezone(LONDON).date())
    victim, perpetrator = _resolve_people(errors, data, clean, viewer, lookups)
    facts = _facts(data, clean, received_at, victim, perpetrator, lookups)
    assessment = _assess(errors, facts, ruleset)
    if errors.items or assessment is None or victim is None:
        raise IntakeInvalid(errors.items)
    return CheckedReferral(
        source_agency=clean["source_agency"],
        referrer_name=clean["referrer_name"],
        referrer_contact=clean["referrer_contact"],
        police_reference=clean["police_reference"],
        received_at=received_at,
        victim=victim,
        perpetrator=perpetrator,
        children_in_household=clean["children_in_household"],
        dash_details={k: v for k, v in (clean["dash_details"] or {}).items() if v},
        detail=clean["detail"],
        dash_completed_by=clean["dash_completed_by"],
        dash_completed_on=clean["dash_completed_on"],
        consent_basis=clean["consent_basis"],
        facts=facts,
        assessment=assessment,
    )


def _received_at(
    errors: Errors, clean: Mapping[str, Any], now: datetime, clock_skew: timedelta
) -> datetime:
    """When received: not in the future, beyond a sender's clock running a little fast (a
    time within that allowance is taken as now, so nothing is received after it is stored)."""
    received_at = clean.get("received_at")
    if received_at is None:
        return now
    if received_at > now + clock_skew:
        errors.add("received_at", "Date and time received must not be in the future")
        return now
    return min(received_at, now)


def _check_sender(errors: Errors, clean: Mapping[str, Any], lookups: Lookups) -> None:
    """A police reference already stored is refused (case does not matter)."""
    reference = clean.get("police_reference")
    if reference and lookups.reference_taken(reference):
        errors.add("police_reference", "A referral with this police reference already exists")


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _check_person(errors: Errors, role: str, clean: dict[str, Any], today: date) -> None:
    """Names with letters in them, and a believable date of birth on the day received.
    A person with any problem is dropped from `clean` (nobody is matched on bad details)."""
    details = clean.get(role)
    if details is None:
        return
    before = len(errors.items)
    for key, label in (("first_name", "first name"), ("last_name", "last name")):
        if not match_key(details[key], "").strip("|"):
            errors.add(f"{role}.{key}", f"The {role}'s {label} must contain letters")
    born, field = details["date_of_birth"], f"{role}.date_of_birth"
    if born is not None and born > today:
        errors.add(field, "Date of birth must be in the past")
    elif born is not None and born < EARLIEST_BIRTH:
        errors.add(field, "Date of birth must be after 1 January 1900")
    elif born is not None and role == "victim" and _age_on(born, today) < MIN_VICTIM_AGE:
        errors.add(
            field,
            "The victim must be aged 16 or over: for a child, make a child "
            "safeguarding referral instead",
        )
    if len(errors.items) > before:
        clean[role] = None


_DISAGREES = {
    "racially_minoritised": "Racially minoritised does not agree with the ethnic group given",
    "lgbt": "LGBT+ does not agree with the sexual orientation or trans status given",
    "disabled": "Disabled does not agree with the disability answer given",
}


def _derive_equality_flags(errors: Errors, victim: dict[str, Any] | None) -> None:
    """The SafeLives flags follow the victim's equality codes; a flag given beside a code
    must agree with it (an API client may still send the flags alone)."""
    if victim is None:
        return
    for flag, value in derived_flags(victim).items():
        given = victim.get(flag)
        if given is not None and given != value:
            errors.add(f"victim.{flag}", _DISAGREES[flag])
        victim[flag] = value


def _check_checklist(
    errors: Errors,
    data: Mapping[str, Any],
    clean: dict[str, Any],
    ruleset: RuleSet,
    received_day: date,
    today: date,
) -> None:
    """Details only for the rule set's questions; who completed the checklist and when,
    whenever any question was answered."""
    questions = len(ruleset.dash_questions)
    raw_details = data.get("dash_details")
    seen: set[str] = set()
    for key in raw_details if isinstance(raw_details, Mapping) else ():
        number = str(key)
        if number.isdigit() and not 1 <= int(number) <= questions:
            errors.add(
                f"dash_details.{key}", f"Unknown question; questions are numbered 1 to {questions}"
            )
        elif number in seen:
            errors.add(f"dash_details.{key}", f"Detail for question {number} is given twice")
        seen.add(number)
    dash = data.get("dash")
    answered = isinstance(dash, Mapping) and any(v != "not_asked" for v in dash.values())
    if answered and clean.get("dash_completed_by") is None and not errors.has("dash_completed_by"):
        errors.add("dash_completed_by", "Enter who completed the Dash checklist")
    completed_on = clean.get("dash_completed_on")
    if answered and completed_on is None and not errors.has("dash_completed_on"):
        errors.add("dash_completed_on", "Enter the date the Dash checklist was completed")
    elif completed_on is not None and completed_on > today:
        errors.add("dash_completed_on", "Date the checklist was done must not be in the future")
    elif completed_on is not None and completed_on > received_day:
        errors.add(
            "dash_completed_on",
            "The checklist must have been completed on or before the day the referral was received",
        )


def _resolve_people(
    errors: Errors,
    data: Mapping[str, Any],
    clean: Mapping[str, Any],
    viewer: Viewer,
    lookups: Lookups,
) -> tuple[Resolved | None, Resolved | None]:
    """Read-only look-ups now; records are written only once everything is valid."""
    if clean.get("perpetrator_person_id") is not None and data.get("perpetrator") is None:
        errors.add("perpetrator_person_id", "Give the perpetrator's details as well")
    given = {
        role: (clean[role], clean.get(f"{role}_person_id")) for role in ROLES if clean.get(role)
    }
    outcomes = lookups.resolve_all(given, viewer=viewer) if given else {}  # one query
    found: dict[str, Resolved | None] = {role: None for role in ROLES}
    for role, outcome in outcomes.items():
        if isinstance(outcome, NotACandidate):
            errors.add(
                f"{role}_person_id",
                f"The person confirmed as the {role} does not match the name and "
                "date of birth given: check the details or choose again",
            )
        else:
            found[role] = outcome
    victim, perpetrator = found["victim"], found["perpetrator"]
    if victim and perpetrator and same_person(victim, perpetrator):
        errors.add("perpetrator", "The victim and the perpetrator cannot be the same person")
    return victim, perpetrator


def _facts(
    data: Mapping[str, Any],
    clean: Mapping[str, Any],
    received_at: datetime,
    victim: Resolved | None,
    perpetrator: Resolved | None,
    lookups: Lookups,
) -> dict[str, Any]:
    """The facts for the rule engine, as given: it reports its own problems with them."""
    facts = {name: data.get(name) for name in FACT_FIELDS}
    # As checked (2.0 is 2), or as given when wrong, for the engine to report.
    facts["police_callouts_12m"] = clean.get(
        "police_callouts_12m", data.get("police_callouts_12m", 0)
    )
    # The reason as checked (trimmed; blank is None); a bad one is reported at its field.
    facts["professional_judgement_reason"] = clean.get("professional_judgement_reason")
    facts["received_at"] = received_at
    facts["last_marac_referral_at"] = lookups.last_marac_referral_at(
        victim, perpetrator, received_at
    )
    return facts


def _assess(errors: Errors, facts: Mapping[str, Any], ruleset: RuleSet) -> Assessment | None:
    """The assessment; the engine's problems join those already found, one per field."""
    try:
        return assess(facts, ruleset)
    except InvalidFacts as exc:
        for error in exc.errors:
            if not errors.has_exactly(error["field"]):
                message = error["message"]
                errors.add(error["field"], message[:1].upper() + message[1:])
        return None
