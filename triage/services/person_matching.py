"""Who the people in a new referral are: an existing record (exact or confirmed) or new.

An exact match (same normalised name and date of birth) is reused; a near match is never
merged unless the caller passes the confirmed person's id, which must be one of the
candidates for the details given. Records are written only once the referral is valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from triage.extensions import db
from triage.models import Person
from triage.services.intake_fields import ROLE_WORD, Errors
from triage.services.people import match_key
from triage.services.repeats import MatchResult, find_matches

CONTACT_FIELDS = ("postcode", "address", "gender", "racially_minoritised", "lgbt", "disabled")


@dataclass
class Resolved:
    """One person of the referral: the checked details and the record they resolve to."""

    details: dict[str, Any]
    person: Person | None
    how: str  # "exact", "confirmed" or "new"

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person is not None else None


def resolve(
    errors: Errors, role: str, details: dict[str, Any] | None, confirmed_id: int | None
) -> Resolved | None:
    """Look the person up (read only); None, with the reason in `errors`, when refused."""
    if details is None:
        return None
    matches: MatchResult = find_matches(
        details["first_name"], details["last_name"], details["date_of_birth"]
    )
    if confirmed_id is not None:
        if confirmed_id not in matches.candidate_ids:
            errors.add(
                f"{role}_person_id",
                f"The person confirmed as the {ROLE_WORD[role]} does not match the name and "
                "date of birth given: check the details or choose again",
            )
            return None
        return Resolved(details, db.session.get(Person, confirmed_id), "confirmed")
    if matches.exact is not None:
        return Resolved(details, matches.exact, "exact")
    return Resolved(details, None, "new")


def same_person(a: Resolved, b: Resolved) -> bool:
    if a.person is not None or b.person is not None:
        return a.person_id == b.person_id
    da, db_ = a.details, b.details
    return (
        da["date_of_birth"] is not None
        and da["date_of_birth"] == db_["date_of_birth"]
        and match_key(da["first_name"], da["last_name"])
        == match_key(db_["first_name"], db_["last_name"])
    )


def write_person(resolved: Resolved) -> Person:
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
    for key in CONTACT_FIELDS:
        if d[key] is not None:
            setattr(person, key, d[key])
    db.session.flush()
    return person
