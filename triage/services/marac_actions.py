"""MARAC safety actions and recording a meeting as held. Flush and audit in the caller's
transaction; the caller commits. See docs/marac.md."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import MaracAction, MaracListing, MaracMeeting
from triage.models.marac import ACTION_STATUSES
from triage.models.referral import SOURCE_AGENCIES
from triage.services import audit
from triage.services.actor import Actor
from triage.services.marac_meetings import ACTIVE, MaracError

# Agencies that take actions at MARAC: the referring agencies, without "self" and "MARAC".
ACTION_AGENCIES: dict[str, str] = {
    code: label for code, label in SOURCE_AGENCIES.items() if code not in ("self", "marac")
}
STATUS_LABELS: dict[str, str] = {
    "open": "Open",
    "done": "Done",
    "not_done": "Not done",
    "blocked": "Blocked by a change of circumstances",
}
MAX_DESCRIPTION = 1000
MAX_NOTE = 500


def mark_held(meeting_id: int, *, actor: Actor, now: datetime) -> MaracMeeting:
    """Record that a meeting took place: its listed cases become heard (at its start time),
    which is what "time from referral to hearing" is measured to."""
    meeting = db.session.get(MaracMeeting, meeting_id)
    if meeting is None:
        raise MaracError("That meeting does not exist")
    if meeting.status != "scheduled":
        raise MaracError("Only a scheduled meeting can be recorded as held")
    if meeting.starts_at > now:
        raise MaracError("The meeting has not started yet")
    listings = db.session.scalars(
        select(MaracListing).where(
            MaracListing.meeting_id == meeting.id, MaracListing.status == ACTIVE
        )
    ).all()
    for listing in listings:
        listing.status = "heard"
        listing.heard_at = meeting.starts_at
    meeting.status = "held"
    db.session.flush()
    audit.record(
        "marac.meeting.held",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={"heard": [x.id for x in listings]},
        now=now,
    )
    return meeting


def add_action(
    listing_id: int,
    *,
    agency: str | None,
    description: str | None,
    due_on: date | None,
    actor: Actor,
    now: datetime,
) -> MaracAction:
    listing = db.session.get(MaracListing, listing_id)
    if listing is None or listing.status not in (ACTIVE, "heard"):
        raise MaracError("That case is not on this meeting's agenda")
    if agency not in ACTION_AGENCIES:
        raise MaracError("Select the agency that owns the action", "agency")
    description = (description or "").strip()
    if not description:
        raise MaracError("Describe the action", "description")
    if len(description) > MAX_DESCRIPTION:
        raise MaracError(f"The action must be {MAX_DESCRIPTION} characters or fewer", "description")
    action = MaracAction(
        listing_id=listing.id,
        agency=agency,
        description=description,
        due_on=due_on,
        status="open",
        created_by_id=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    db.session.add(action)
    db.session.flush()
    audit.record(
        "marac.action.add",
        actor,
        object_type="marac_action",
        object_id=action.id,
        details={
            "listing_id": listing.id,
            "referral_id": listing.referral_id,
            "agency": agency,
            "due_on": due_on.isoformat() if due_on else None,
        },
        now=now,
    )
    return action


def update_action(
    action_id: int, *, status: str | None, note: str | None, actor: Actor, now: datetime
) -> MaracAction:
    """Record progress. Blocked needs the change of circumstances that blocked it."""
    action = db.session.get(MaracAction, action_id)
    if action is None:
        raise MaracError("That action does not exist")
    if status not in ACTION_STATUSES:
        raise MaracError("Select the status of the action", "status")
    note = (note or "").strip() or None
    if status == "blocked" and not note:
        raise MaracError("Describe the change of circumstances that blocked it", "note")
    if note and len(note) > MAX_NOTE:
        raise MaracError(f"The note must be {MAX_NOTE} characters or fewer", "note")
    old = action.status
    action.status = status
    action.status_note = note
    action.updated_at = now
    db.session.flush()
    audit.record(
        "marac.action.update",
        actor,
        object_type="marac_action",
        object_id=action.id,
        # G16: the note stays on the action row (the purge erases it); the trail says one was given.
        details={
            "status": {"old": old, "new": status},
            "listing_id": action.listing_id,
            "note_given": note is not None,
        },
        now=now,
    )
    return action
