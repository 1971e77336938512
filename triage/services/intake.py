"""Referral intake: THE one way a referral is created (web form, JSON API, CSV import).

    referral = create_referral(data, actor=actor, now=now)
    db.session.commit()
    due_action_queue.enqueue(...)                   # after the commit; never raises

`create_referral` checks everything first and raises `IntakeInvalid` listing every problem
(the rule engine's `InvalidFacts` included, under the same field names) before anything is
written. Then, in the caller's transaction, it resolves the victim and perpetrator to
people (an exact match is reused; near matches are never merged unless the caller passes a
confirmed `*_person_id`), finds the pair's last referral to MARAC, assesses the facts with
the active rule set, stores the referral with its facts and assessment, audits
`referral.create`, and asks scheduling to plan the S2S offer deadline and due actions.

The data shape, the code lists and what is audited are in docs/intake.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from triage.extensions import db
from triage.models import MaracListing, Person, Referral
from triage.models.referral import SOURCE_AGENCIES
from triage.rules import MARAC_CRITERIA, Assessment, InvalidFacts, RuleSet, assess
from triage.services import audit
from triage.services.actor import Actor
from triage.services.people import match_key
from triage.services.repeats import MatchResult, find_matches, last_marac_referral_at
from triage.settings import Settings

LONDON = ZoneInfo("Europe/London")

# The lawful basis on which the referral shares the victim's information.
CONSENT_BASES: dict[str, str] = {
    "consent": "The victim consented to the referral",
    "vital_interests": "Without consent: to protect someone's life (vital interests)",
    "public_task": "Without consent: a statutory duty (public task)",
    "legal_obligation": "Without consent: a legal obligation (e.g. a court order)",
    "without_consent_risk": "Without consent: high risk of serious harm, consent refused",
}

GENDERS: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "non_binary": "Non-binary",
    "other": "Another gender",
    "not_known": "Not known",
}

RISK_LEVEL_LABELS = {"standard": "Standard", "medium": "Medium", "high": "High"}

# Limits that match the columns (and keep a pasted novel out of a name field).
NAME_MAX = 100
REFERRER_MAX = 200
POLICE_REFERENCE_MAX = 50
ADDRESS_MAX = 500
DETAIL_MAX = 10_000
ANSWER_DETAIL_MAX = 2_000
JUDGEMENT_REASON_MAX = 2_000
CHILDREN_MAX = 30
MIN_VICTIM_AGE = 16
EARLIEST_BIRTH = date(1900, 1, 1)

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
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_ROLE_WORD = {"victim": "victim", "perpetrator": "perpetrator"}


class IntakeInvalid(ValueError):
    """A referral that cannot be accepted. `.errors`: [{"field", "message"}], all at once."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = list(errors)
        listed = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)
        super().__init__(f"invalid referral: {listed}")

    def fields(self) -> set[str]:
        return {e["field"] for e in self.errors}


# --------------------------------------------------------------------------- checking


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def has(self, prefix: str) -> bool:
        return any(e["field"] == prefix or e["field"].startswith(prefix + ".") for e in self.items)


def _text(
    errors: _Errors,
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


def _date(errors: _Errors, field: str, value: object, label: str) -> date | None:
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


def _moment(errors: _Errors, field: str, value: object, label: str) -> datetime | None:
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


def _whole(errors: _Errors, field: str, value: object, label: str, maximum: int) -> int | None:
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


def _flag(errors: _Errors, field: str, value: object, label: str) -> bool | None:
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


def _person(errors: _Errors, role: str, raw: object, today: date) -> dict[str, Any] | None:
    """Check one person's details; the cleaned dict, or None if anything is wrong."""
    word = _ROLE_WORD[role]
    if not isinstance(raw, Mapping):
        errors.add(role, f"Give the {word}'s details")
        return None
    before = len(errors.items)
    for key in raw:
        if key not in PERSON_FIELDS:
            errors.add(f"{role}.{key}", "Unknown field")
    clean: dict[str, Any] = {}
    for key, label in (("first_name", "first name"), ("last_name", "last name")):
        value = _text(
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
    born = _date(errors, f"{role}.date_of_birth", raw.get("date_of_birth"), "Date of birth")
    if born is not None:
        if born > today:
            errors.add(f"{role}.date_of_birth", "Date of birth must be in the past")
        elif born < EARLIEST_BIRTH:
            errors.add(f"{role}.date_of_birth", "Date of birth must be after 1 January 1900")
        elif role == "victim" and _age_on(born, today) < MIN_VICTIM_AGE:
            errors.add(
                f"{role}.date_of_birth",
                "The victim must be aged 16 or over: for a child, make a child "
                "safeguarding referral instead",
            )
    clean["date_of_birth"] = born
    postcode = _text(
        errors, f"{role}.postcode", raw.get("postcode"), max_length=10, label="Postcode"
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
    clean["address"] = _text(
        errors, f"{role}.address", raw.get("address"), max_length=ADDRESS_MAX, label="Address"
    )
    for key, label in (
        ("racially_minoritised", "Racially minoritised"),
        ("lgbt", "LGBT+"),
        ("disabled", "Disabled"),
    ):
        clean[key] = _flag(errors, f"{role}.{key}", raw.get(key), label)
    return clean if len(errors.items) == before else None


def _person_id(errors: _Errors, field: str, value: object) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        errors.add(field, "Must be the id of a person offered as a match")
        return None
    return value


class _Resolved:
    """Who a person in the referral is: an existing record (exact or confirmed) or new."""

    def __init__(self, details: dict[str, Any], person: Person | None, how: str) -> None:
        self.details = details
        self.person = person
        self.how = how  # "exact", "confirmed" or "new"

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person is not None else None


def _resolve(
    errors: _Errors, role: str, details: dict[str, Any] | None, confirmed_id: int | None
) -> _Resolved | None:
    if details is None:
        return None
    matches: MatchResult = find_matches(
        details["first_name"], details["last_name"], details["date_of_birth"]
    )
    if confirmed_id is not None:
        if confirmed_id not in matches.candidate_ids:
            errors.add(
                f"{role}_person_id",
                f"The person confirmed as the {_ROLE_WORD[role]} does not match the name and "
                "date of birth given: check the details or choose again",
            )
            return None
        return _Resolved(details, db.session.get(Person, confirmed_id), "confirmed")
    if matches.exact is not None:
        return _Resolved(details, matches.exact, "exact")
    return _Resolved(details, None, "new")


def _dash_details(errors: _Errors, raw: object, questions: int) -> dict[str, str]:
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
        text = _text(
            errors,
            f"dash_details.{number}",
            value,
            max_length=ANSWER_DETAIL_MAX,
            label=f"Detail for question {number}",
        )
        if text is not None:
            clean[str(number)] = text
    return clean


def _engine_message(error: dict[str, str]) -> dict[str, str]:
    message = error["message"]
    return {"field": error["field"], "message": message[:1].upper() + message[1:]}


def _active_ruleset() -> RuleSet:
    from triage.services.rulesets import active_ruleset

    return active_ruleset()


def _catalogue_order(codes: object, catalogue: list[str]) -> list[str]:
    given = set(codes) if isinstance(codes, list | tuple) else set()
    return [code for code in catalogue if code in given]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


# --------------------------------------------------------------------------- the service


def create_referral(
    data: Mapping[str, Any],
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
    ruleset: RuleSet | None = None,
) -> Referral:
    """Check, assess and store one referral in the caller's transaction (see module doc).

    The returned referral carries `due_action_ids` (not a column): pass them to
    `triage.services.due_action_queue` after the commit.
    """
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    ruleset = ruleset if ruleset is not None else _active_ruleset()
    errors = _Errors()
    if not isinstance(data, Mapping):
        raise IntakeInvalid([{"field": "referral", "message": "Must be a mapping of fields"}])
    for key in data:
        if key not in TOP_LEVEL_FIELDS:
            errors.add(str(key), "Unknown field")

    # Who sent it.
    source = data.get("source_agency")
    if source in (None, ""):
        errors.add("source_agency", "Select the agency the referral comes from")
    elif not isinstance(source, str) or source not in SOURCE_AGENCIES:
        errors.add("source_agency", f"Source agency must be one of: {', '.join(SOURCE_AGENCIES)}")
    referrer_name = _text(
        errors,
        "referrer_name",
        data.get("referrer_name"),
        required="Enter the name of the person making the referral",
        max_length=REFERRER_MAX,
        label="Referrer's name",
    )
    referrer_contact = _text(
        errors,
        "referrer_contact",
        data.get("referrer_contact"),
        max_length=REFERRER_MAX,
        label="Referrer's contact details",
    )
    police_reference = _text(
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

    # When.
    received_at = now
    if data.get("received_at") not in (None, ""):
        checked = _moment(errors, "received_at", data["received_at"], "Date and time received")
        if checked is not None and checked > now:
            errors.add("received_at", "Date and time received must not be in the future")
        elif checked is not None:
            received_at = checked
    received_day = received_at.astimezone(LONDON).date()

    # Who.
    victim = _person(errors, "victim", data.get("victim"), received_day)
    perpetrator = None
    if data.get("perpetrator") is not None:
        perpetrator = _person(errors, "perpetrator", data.get("perpetrator"), received_day)
    victim_pid = _person_id(errors, "victim_person_id", data.get("victim_person_id"))
    perpetrator_pid = _person_id(errors, "perpetrator_person_id", data.get("perpetrator_person_id"))
    if perpetrator_pid is not None and data.get("perpetrator") is None:
        errors.add("perpetrator_person_id", "Give the perpetrator's details as well")
    children = data.get("children_in_household", 0)
    children = _whole(errors, "children_in_household", children, "Number of children", CHILDREN_MAX)

    # The checklist and the rest of the facts.
    questions = len(ruleset.dash_questions)
    dash_details = _dash_details(errors, data.get("dash_details"), questions)
    detail = _text(
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
    completed_by = _text(
        errors,
        "dash_completed_by",
        data.get("dash_completed_by"),
        required="Enter who completed the Dash checklist" if any_answered else None,
        max_length=REFERRER_MAX,
        label="Who completed the checklist",
    )
    completed_on = _date(
        errors, "dash_completed_on", data.get("dash_completed_on"), "Date the checklist was done"
    )
    if completed_on is None and any_answered and not errors.has("dash_completed_on"):
        errors.add("dash_completed_on", "Enter the date the Dash checklist was completed")
    elif completed_on is not None and completed_on > received_day:
        errors.add(
            "dash_completed_on",
            "The checklist must have been completed on or before the day the referral was received",
        )
    consent = data.get("consent_basis")
    if consent in (None, ""):
        errors.add("consent_basis", "Select the basis for sharing the victim's information")
    elif not isinstance(consent, str) or consent not in CONSENT_BASES:
        errors.add("consent_basis", f"Consent basis must be one of: {', '.join(CONSENT_BASES)}")

    # People: read-only look-ups now; records are written only once everything is valid.
    victim_match = _resolve(errors, "victim", victim, victim_pid)
    perpetrator_match = _resolve(errors, "perpetrator", perpetrator, perpetrator_pid)
    if victim_match and perpetrator_match and _same_person(victim_match, perpetrator_match):
        errors.add("perpetrator", "The victim and the perpetrator cannot be the same person")
    last_marac = last_marac_referral_at(
        victim_match.person_id if victim_match else None,
        perpetrator_match.person_id if perpetrator_match else None,
        received_at,
    )

    facts = {
        "dash": dash,
        "police_callouts_12m": data.get("police_callouts_12m", 0),
        "professional_judgement": data.get("professional_judgement"),
        "professional_judgement_reason": reason,
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

    if errors.items or assessment is None or victim_match is None or children is None:
        raise IntakeInvalid(errors.items)

    stored_facts = _stored_facts(facts, ruleset)
    victim_person = _write_person(victim_match)
    perpetrator_person = _write_person(perpetrator_match) if perpetrator_match else None
    referral = Referral(
        source_agency=source,
        referrer_id=actor.user_id,
        referrer_name=referrer_name,
        referrer_contact=referrer_contact,
        police_reference=police_reference,
        victim_id=victim_person.id,
        perpetrator_id=perpetrator_person.id if perpetrator_person else None,
        children_in_household=children,
        received_at=received_at,
        answers=stored_facts,
        answer_details=dash_details,
        detail=detail,
        dash_completed_by=completed_by,
        dash_completed_on=completed_on,
        consent_basis=consent,
        assessment=assessment.to_dict(),
        ruleset_version=assessment.ruleset_version,
        score=assessment.score,
        risk_level=assessment.risk_level,
        marac=assessment.marac,
        mcic=assessment.mcic,
        status="received",
        created_at=now,
        updated_at=now,
    )
    referral.victim = victim_person
    referral.perpetrator = perpetrator_person
    db.session.add(referral)
    db.session.flush()
    audit.record(
        "referral.create",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "source_agency": source,
            "ruleset_version": assessment.ruleset_version,
            "score": assessment.score,
            "risk_level": assessment.risk_level,
            "marac_criteria": list(assessment.marac_criteria),
            "mcic": assessment.mcic,
            "victim_match": victim_match.how,
            "perpetrator_match": perpetrator_match.how if perpetrator_match else None,
        },
        now=now,
    )

    from triage.services.due_action_plan import plan_for_referral

    referral.due_action_ids = list(
        plan_for_referral(referral, now=now, actor=actor, settings=settings)
    )
    return referral


def _same_person(a: _Resolved, b: _Resolved) -> bool:
    if a.person is not None or b.person is not None:
        return a.person_id == b.person_id
    da, db_ = a.details, b.details
    return (
        da["date_of_birth"] is not None
        and da["date_of_birth"] == db_["date_of_birth"]
        and match_key(da["first_name"], da["last_name"])
        == match_key(db_["first_name"], db_["last_name"])
    )


def _write_person(resolved: _Resolved) -> Person:
    """Create the person, or bring an existing record's contact details up to date.

    Names are never changed, and a known date of birth is never replaced (a confirmed near
    match keeps its own); a date of birth is filled in only where none was known.
    """
    d = resolved.details
    person = resolved.person
    if person is None:
        person = Person(
            first_name=d["first_name"],
            last_name=d["last_name"],
            match_name=match_key(d["first_name"], d["last_name"]),
            date_of_birth=d["date_of_birth"],
        )
        db.session.add(person)
    elif person.date_of_birth is None and d["date_of_birth"] is not None:
        person.date_of_birth = d["date_of_birth"]
    for key in ("postcode", "address", "gender", "racially_minoritised", "lgbt", "disabled"):
        if d[key] is not None:
            setattr(person, key, d[key])
    db.session.flush()
    return person


def _stored_facts(facts: Mapping[str, Any], ruleset: RuleSet) -> dict[str, Any]:
    """The validated facts as JSON: every question answered, codes in catalogue order."""
    given = facts["dash"] or {}
    dash = {str(q.number): "not_asked" for q in ruleset.dash_questions}
    for key, answer in given.items():
        dash[str(int(key))] = answer
    judged = bool(facts["professional_judgement"])
    return {
        "dash": dash,
        "police_callouts_12m": facts["police_callouts_12m"],
        "professional_judgement": judged,
        "professional_judgement_reason": (facts["professional_judgement_reason"] or "")
        if judged
        else "",
        "victim_needs": _catalogue_order(
            facts["victim_needs"] or [], [e.code for e in ruleset.victim_needs]
        ),
        "perpetrator_management": _catalogue_order(
            facts["perpetrator_management"] or [],
            [e.code for e in ruleset.perpetrator_management],
        ),
        "received_at": _iso(facts["received_at"]),
        "last_marac_referral_at": _iso(facts["last_marac_referral_at"]),
    }


def facts_for(referral: Referral) -> dict[str, Any]:
    """The facts a stored referral was assessed on, ready for `assess()` (replay)."""
    stored = dict(referral.answers or {})
    for key in ("received_at", "last_marac_referral_at"):
        if stored.get(key):
            stored[key] = datetime.fromisoformat(stored[key])
    return stored


# --------------------------------------------------------------------------- reading back


def _labels_for(version: str) -> RuleSet | None:
    from triage.services.rulesets import UnknownRuleSet, ruleset_by_version

    try:
        return ruleset_by_version(version)
    except UnknownRuleSet:
        return None


def current_marac_listing(referral_id: int) -> MaracListing | None:
    """The referral's MARAC listing still in force (listed or heard), if any.

    Kept out of `referral_summary`, whose shape the API publishes."""
    return db.session.scalar(
        select(MaracListing)
        .where(
            MaracListing.referral_id == referral_id, MaracListing.status.in_(("listed", "heard"))
        )
        .order_by(MaracListing.listed_at.desc())
        .limit(1)
    )


def referral_summary(referral: Referral) -> dict[str, Any]:
    """What the rules and routing decided, in plain values (result page and API)."""
    stored = Assessment.from_dict(referral.assessment)
    ruleset = _labels_for(stored.ruleset_version)
    need_labels = dict(ruleset.victim_need_labels) if ruleset else {}
    management_labels = dict(ruleset.perpetrator_management_labels) if ruleset else {}
    questions = len(ruleset.dash_questions) if ruleset else len(referral.answers.get("dash", {}))
    facts = referral.answers or {}
    last_marac = facts.get("last_marac_referral_at")
    last_marac_at = datetime.fromisoformat(last_marac) if last_marac else None
    repeat = "repeat" in stored.marac_criteria
    return {
        "reference": referral.reference,
        "received_at": _iso(referral.received_at),
        "score": stored.score,
        "questions": questions,
        "answered": stored.answered,
        "complete": stored.answered == questions,
        "risk_level": stored.risk_level,
        "risk_level_label": RISK_LEVEL_LABELS.get(stored.risk_level, stored.risk_level),
        "marac": stored.marac,
        "marac_criteria": [
            {"name": name, "title": MARAC_CRITERIA.get(name, name)}
            for name in stored.marac_criteria
        ],
        "repeat": repeat,
        "last_marac_referral_at": _iso(last_marac_at),
        "mcic": stored.mcic,
        "mcic_needs": [
            {"code": code, "label": need_labels.get(code, code)} for code in stored.mcic_needs
        ],
        "perpetrator_management": [
            {"code": code, "label": management_labels.get(code, code)}
            for code in facts.get("perpetrator_management", [])
        ],
        "pathway": "complex_case" if stored.mcic else "standard",
        "pathway_label": "Complex-case pathway (MCIC)" if stored.mcic else "S2S standard pathway",
        "reasons": list(stored.reasons),
        "ruleset_version": stored.ruleset_version,
        "offer_due_at": _iso(referral.offer_due_at),
        "status": referral.status,
    }
