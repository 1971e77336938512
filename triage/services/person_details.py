"""What each referral recorded about its people, and who may read it.

A referral's own `PersonDetails` rows are written once, when it is created, and never by
another referral. Reading across cases goes through a `Viewer`: details recorded on another
referral are returned only when the viewer may see that referral (`triage.permissions`), so
the screening team sees them all, MARAC those of listed cases, a referrer their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true
from sqlalchemy.orm import contains_eager

from triage.extensions import db
from triage.models import PersonDetails, Referral, User
from triage.models.person import DETAIL_FIELDS
from triage.permissions import visible_referrals_clause
from triage.services.actor import Actor


@dataclass(frozen=True)
class Viewer:
    """Who will see what a look-up returns: a signed-in user, or the system (CLI, jobs)."""

    user: User | None

    @classmethod
    def for_actor(cls, actor: Actor) -> Viewer:
        """A user actor sees what their user may see; a system or job actor sees everything,
        since nothing it reads is shown to a person."""
        if actor.user_id is None:
            return cls(None)
        user = db.session.get(User, actor.user_id)
        if user is None:
            raise ValueError("the actor's user does not exist")
        return cls(user)

    def referrals_clause(self) -> ColumnElement[bool]:
        return true() if self.user is None else visible_referrals_clause(self.user)


def record(
    referral: Referral, role: str, details: dict[str, Any], *, actor: Actor, now: datetime
) -> PersonDetails:
    """Store what this referral says about its `role` (in the caller's transaction; flushed
    with the caller's next flush, so both roles' rows go in one statement)."""
    row = PersonDetails(**details_values(referral.id, role, details, actor=actor, now=now))
    if "people_details" in referral.__dict__:  # loaded: keep it current
        referral.people_details.append(row)
    else:  # a new referral's rows: no need to load the (empty) collection first
        db.session.add(row)
    return row


def details_values(
    referral_id: int, role: str, details: dict[str, Any], *, actor: Actor, now: datetime
) -> dict[str, Any]:
    """The columns of a referral's details row for `role` (`record`; the bulk CSV import
    inserts thousands of these in one statement)."""
    return {
        "referral_id": referral_id,
        "role": role,
        "recorded_at": now,
        "recorded_by_id": actor.user_id,
        **{key: details.get(key) for key in DETAIL_FIELDS},
    }


def _naming(person_id: int) -> ColumnElement[bool]:
    """Details rows whose referral names this person in the row's role."""
    return or_(
        and_(PersonDetails.role == "victim", Referral.victim_id == person_id),
        and_(PersonDetails.role == "perpetrator", Referral.perpetrator_id == person_id),
    )


def recorded_elsewhere(
    person_id: int, viewer: Viewer, *, besides: int | None = None, erased: bool = False
) -> list[PersonDetails]:
    """What other referrals the viewer may see recorded about this person, newest first
    (rows the purge erased only when `erased`)."""
    query = (
        select(PersonDetails)
        .join(Referral, Referral.id == PersonDetails.referral_id)
        .where(_naming(person_id), viewer.referrals_clause())
        .order_by(PersonDetails.recorded_at.desc(), PersonDetails.id.desc())
        # Pages label each row by its referral: fill it from the join, not one query a row.
        .options(contains_eager(PersonDetails.referral))
    )
    if besides is not None:
        query = query.where(PersonDetails.referral_id != besides)
    if not erased:
        query = query.where(PersonDetails.erased_at.is_(None))
    return list(db.session.scalars(query))


def latest_visible(person_id: int, viewer: Viewer) -> PersonDetails | None:
    """The newest details the viewer may see for this person: a live row if there is one,
    else an erased one (None only for a person in no case the viewer may see)."""
    found = recorded_elsewhere(person_id, viewer) or recorded_elsewhere(
        person_id, viewer, erased=True
    )
    return found[0] if found else None


def erase(referral: Referral, *, erased: str, now: datetime) -> None:
    """The purge: blank the identifying values this referral recorded (equality flags and
    gender stay, for the SafeLives figures)."""
    for row in referral.people_details:
        row.first_name = row.last_name = erased
        row.date_of_birth = row.postcode = row.address = None
        row.phone = row.safe_times = None
        row.erased_at = now
    db.session.flush()


@dataclass(frozen=True)
class CasePeople:
    """A case's people as its page shows them: its own record of each, and what other cases
    the viewer may see recorded about the same people (labelled by referral and time)."""

    victim: PersonDetails | None
    perpetrator: PersonDetails | None
    victim_elsewhere: list[PersonDetails]
    perpetrator_elsewhere: list[PersonDetails]


def case_people(referral: Referral, viewer: Viewer) -> CasePeople:
    perpetrator_elsewhere = (
        recorded_elsewhere(referral.perpetrator_id, viewer, besides=referral.id)
        if referral.perpetrator_id is not None
        else []
    )
    return CasePeople(
        victim=referral.victim_details,
        perpetrator=referral.perpetrator_details,
        victim_elsewhere=recorded_elsewhere(referral.victim_id, viewer, besides=referral.id),
        perpetrator_elsewhere=perpetrator_elsewhere,
    )
