""" "Possible earlier referral" tasks: people the referrer could not be shown.

When a new referral's victim or perpetrator matches someone known only from cases the
referrer may not see, the referrer is shown nothing about them and the referral is stored
with a new person record. The screening team (who see every case) gets a task per match:
link the referral to the earlier person (the same person) or dismiss it (someone else).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select

from triage.extensions import db
from triage.models import Person, PossibleMatch, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.match_reassessment import Reassessed, reassess
from triage.settings import Settings

OUTCOMES = ("linked", "dismissed")


class MatchTaskError(ValueError):
    """A task that cannot be resolved (unknown, already resolved, or a bad outcome)."""


def record(referral: Referral, role: str, hidden: list[tuple[int, str]], *, now: datetime) -> None:
    """One open task per hidden (person id, "exact"/"near") match of `role` (flushed with
    the caller's next flush)."""
    for values in task_values(referral.id, role, hidden, now=now):
        db.session.add(PossibleMatch(**values))


def task_values(
    referral_id: int, role: str, hidden: list[tuple[int, str]], *, now: datetime
) -> list[dict]:
    """The columns of the open tasks `record` writes (the bulk CSV import inserts them
    in one statement)."""
    return [
        {"referral_id": referral_id, "role": role, "person_id": person_id, "kind": kind,
         "status": "open", "created_at": now}
        for person_id, kind in hidden
    ]  # fmt: skip


def open_tasks(referral_id: int | None = None) -> list[PossibleMatch]:
    """Open tasks, oldest first (for one referral when given)."""
    query = select(PossibleMatch).where(PossibleMatch.status == "open")
    if referral_id is not None:
        query = query.where(PossibleMatch.referral_id == referral_id)
    return list(db.session.scalars(query.order_by(PossibleMatch.created_at, PossibleMatch.id)))


@dataclass(frozen=True)
class Resolved:
    task: PossibleMatch
    reassessed: Reassessed | None  # set when linked


def resolve(
    task_id: int, outcome: str, *, actor: Actor, now: datetime, settings: Settings
) -> Resolved:
    """Link the referral's person to the earlier one (then re-assess the referral with that
    person's MARAC history: `match_reassessment`), or dismiss the match; audited."""
    task = db.session.get(PossibleMatch, task_id, with_for_update=True)
    if task is None:
        raise MatchTaskError("No such task")
    if task.status != "open":
        raise MatchTaskError("This possible earlier referral has already been checked")
    if outcome not in OUTCOMES:
        raise MatchTaskError(f"Outcome must be one of: {', '.join(OUTCOMES)}")
    referral = db.session.get(Referral, task.referral_id)
    if outcome == "linked":
        _link(referral, task)
    task.status, task.resolved_at, task.resolved_by_id = outcome, now, actor.user_id
    db.session.flush()
    audit.record(
        f"person.match_{outcome}",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={"reference": referral.reference, "role": task.role, "person_id": task.person_id},
        now=now,
    )
    reassessed = None
    if outcome == "linked":
        reassessed = reassess(referral, actor=actor, now=now, settings=settings)
    return Resolved(task, reassessed)


def _link(referral: Referral, task: PossibleMatch) -> None:
    other = "perpetrator_id" if task.role == "victim" else "victim_id"
    if getattr(referral, other) == task.person_id:
        raise MatchTaskError("The victim and the perpetrator cannot be the same person")
    replaced = getattr(referral, f"{task.role}_id")
    setattr(referral, task.role, db.session.get(Person, task.person_id))
    # The other tasks for this role are settled by the link.
    for sibling in open_tasks(referral.id):
        if sibling.role == task.role and sibling.id != task.id:
            sibling.status = "dismissed"
    db.session.flush()
    _drop_if_unused(replaced, merged_into=task.person_id)


def _drop_if_unused(person_id: int, *, merged_into: int) -> None:
    """The record made for this referral alone, now named nowhere: left, it would match
    later referrals as a person nobody can see. Other referrals' tasks that pointed at it
    now point at the person it was linked to."""
    named = select(Referral.id).where(
        or_(Referral.victim_id == person_id, Referral.perpetrator_id == person_id)
    )
    if db.session.scalar(named.limit(1)) is not None:
        return
    for other in db.session.scalars(
        select(PossibleMatch).where(PossibleMatch.person_id == person_id)
    ).all():
        duplicate = db.session.scalar(
            select(PossibleMatch.id).where(
                PossibleMatch.referral_id == other.referral_id,
                PossibleMatch.role == other.role,
                PossibleMatch.person_id == merged_into,
            )
        )
        if duplicate is not None:
            db.session.delete(other)
        else:
            other.person_id = merged_into
    db.session.flush()
    db.session.execute(delete(Person).where(Person.id == person_id))
