"""Who the people in a new referral are: an existing record (exact or confirmed) or new.

Matching only ever looks at the person rows (normalised name, date of birth), and a match is
used only when the referrer may see a case that names that person:

- an exact match (same normalised name and date of birth) from a case the referrer may see
  is reused;
- a near match is never merged unless the caller passes the confirmed person's id, which
  must be one of the candidates the referrer could be shown for the details given;
- a match (exact or near) known only from cases the referrer may not see is not used and
  not revealed: the referral gets a new person record and the screening team a "possible
  earlier referral" task (`Resolved.hidden`, stored by referral creation).

Records are written only once the referral is valid; the details typed go on the new
referral's own `PersonDetails` row, never onto the shared person row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triage.extensions import db
from triage.models import Person
from triage.services import audit
from triage.services.actor import Actor
from triage.services.people import match_key
from triage.services.person_details import Viewer
from triage.services.repeats import MatchResult, find_matches, find_matches_for


@dataclass
class Resolved:
    """One person of the referral: the checked details and the record they resolve to."""

    details: dict[str, Any]
    person: Person | None
    how: str  # "exact", "confirmed" or "new"
    # Matches the referrer may not be shown: (person id, "exact" or "near"), for the screeners.
    hidden: list[tuple[int, str]] = field(default_factory=list)

    @property
    def person_id(self) -> int | None:
        return self.person.id if self.person is not None else None


def visible_matches(
    first_name: str, last_name: str, date_of_birth: Any, viewer: Viewer
) -> tuple[MatchResult, list[tuple[int, str]]]:
    """The matches the viewer may be shown, and the others as (person id, kind)."""
    found = find_matches(first_name, last_name, date_of_birth, visible=viewer.referrals_clause())
    return _split_visible(found)


def _split_visible(found: MatchResult) -> tuple[MatchResult, list[tuple[int, str]]]:
    visible = found.visible_ids
    hidden = [(p.id, "near") for p in found.near if p.id not in visible]
    exact = found.exact
    if exact is not None and exact.id not in visible:
        hidden.insert(0, (exact.id, "exact"))
        exact = None
    shown = [p for p in found.near if p.id in visible]
    return MatchResult(exact, shown, visible), hidden


class NotACandidate(ValueError):
    """The person confirmed is not a match the referrer could be shown for the details."""


def resolve(details: dict[str, Any], confirmed_id: int | None, *, viewer: Viewer) -> Resolved:
    """Look the person up (read only). NotACandidate if `confirmed_id` is not a match."""
    outcome = resolve_all({"person": (details, confirmed_id)}, viewer=viewer)["person"]
    if isinstance(outcome, NotACandidate):
        raise outcome
    return outcome


def resolve_all(
    people: dict[str, tuple[dict[str, Any], int | None]], *, viewer: Viewer
) -> dict[str, Resolved | NotACandidate]:
    """`resolve` for each role's (details, confirmed id), in one matching query (read only):
    a role whose confirmed id is not a match gets a NotACandidate instead of a Resolved."""
    roles = list(people)
    found = find_matches_for(
        [
            (d["first_name"], d["last_name"], d["date_of_birth"])
            for d, _ in (people[role] for role in roles)
        ],
        visible=viewer.referrals_clause(),
    )
    return {
        role: _resolved(*people[role], *_split_visible(matches))
        for role, matches in zip(roles, found, strict=True)
    }


def _resolved(
    details: dict[str, Any],
    confirmed_id: int | None,
    matches: MatchResult,
    hidden: list[tuple[int, str]],
) -> Resolved | NotACandidate:
    if confirmed_id is not None:
        # A person the referrer was not shown cannot be confirmed: the same answer as for a
        # person who does not match, so an id reveals nothing.
        if confirmed_id not in matches.candidate_ids:
            return NotACandidate(confirmed_id)
        confirmed = next(p for p in [matches.exact, *matches.near] if p and p.id == confirmed_id)
        return Resolved(details, confirmed, "confirmed", hidden)
    if matches.exact is not None:
        return Resolved(details, matches.exact, "exact", hidden)
    return Resolved(details, None, "new", hidden)


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
    """The person record to name: the matched one, or a new one (matching data only), left
    for the caller's next flush (so a referral's people go in one INSERT).

    A known date of birth is never replaced (a confirmed near match keeps its own); one is
    filled in only where none was known. What was typed is stored on the referral instead
    (`person_details.record`), so no referral rewrites what another recorded."""
    d = resolved.details
    person = resolved.person
    if person is None:
        person = Person(
            match_name=match_key(d["first_name"], d["last_name"]),
            date_of_birth=d["date_of_birth"],
        )
        db.session.add(person)
    elif person.date_of_birth is None and d["date_of_birth"] is not None:
        person.date_of_birth = d["date_of_birth"]
    return person


def record_offer(role: str, near: list[Person], *, actor: Actor, now: datetime) -> None:
    """Showing who else is on record is a disclosure: audited, by person id only (the
    object is the user who was shown them)."""
    audit.record(
        "person.match_offered",
        actor,
        object_type="user",
        object_id=actor.user_id,
        details={"role": role, "person_ids": [p.id for p in near]},
        now=now,
    )


def resolve_found(
    people: dict[str, tuple[dict[str, Any], int | None]], found: dict[str, MatchResult]
) -> dict[str, Resolved | NotACandidate]:
    """`resolve_all` for matches the caller has already found (the bulk CSV import reads
    the candidates of a whole file at once: `match_pool`)."""
    return {
        role: _resolved(*people[role], *_split_visible(found[role]))
        for role in people  # the caller's order, as in resolve_all
    }
