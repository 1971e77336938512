"""MARAC safety actions and recording a meeting as held. Flush and audit in the caller's
transaction; the caller commits. See docs/marac.md."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import MaracAction, MaracListing, MaracMeeting
from triage.models.marac import ACTION_STATUSES, LISTING_OUTCOMES
from triage.models.referral import SOURCE_AGENCIES
from triage.services import audit, marac_listing
from triage.services.actor import Actor
from triage.services.due_action_plan import plan_for_held_meeting
from triage.services.marac_meetings import ACTIVE, MaracError
from triage.settings import Settings
from triage.workdays import WorkingCalendar

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
# No action is planned this far ahead; a later year is a typing slip.
LATEST_DUE_YEAR = 2100


@dataclass(frozen=True)
class Held:
    meeting: MaracMeeting
    due_action_ids: list[int]  # the follow-up deadlines, to enqueue after the commit


def mark_held(meeting_id: int, *, actor: Actor, now: datetime, settings: Settings) -> Held:
    """Record that a meeting took place: its listed cases become heard (at its start time),
    which is what "time from referral to hearing" is measured to, and the two follow-up
    deadlines (minutes to agencies, IDVA feedback per case) are planned as due actions."""
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
    meeting.held_at = now
    db.session.flush()
    audit.record(
        "marac.meeting.held",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={"heard": [x.id for x in listings]},
        now=now,
    )
    ids = plan_for_held_meeting(meeting, list(listings), now=now, actor=actor, settings=settings)
    return Held(meeting, ids)


def actions_for(listing_id: int) -> list[MaracAction]:
    """A listed case's actions, oldest first (for a reader already allowed the case)."""
    query = select(MaracAction).where(MaracAction.listing_id == listing_id)
    return list(db.session.scalars(query.order_by(MaracAction.id)))


def record_outcome(
    listing_id: int,
    *,
    outcome: str | None,
    actor: Actor,
    now: datetime,
    calendar: WorkingCalendar,
) -> MaracListing:
    """What the meeting decided for one heard case (it may be corrected later). Deferred
    lists the case again at the next meeting with room (then it is settled here)."""
    listing = db.session.get(MaracListing, listing_id)
    if listing is not None and listing.status == "deferred":
        raise MaracError(
            "This case was deferred: record its outcome at the later meeting", "outcome"
        )
    if listing is None or listing.status != "heard":
        raise MaracError("Record the meeting as held before recording an outcome", "outcome")
    if outcome not in LISTING_OUTCOMES:
        raise MaracError("Select the outcome for this case", "outcome")
    old = listing.outcome
    listing.outcome = outcome
    listing.outcome_recorded_at = now
    listing.outcome_recorded_by_id = actor.user_id
    db.session.flush()
    relisted = None
    if outcome == "deferred":
        day = calendar.local_date(listing.meeting.starts_at)
        relisted = marac_listing.defer_listing(
            listing, actor=actor, now=now, day_label=f"{day.day} {day:%B %Y}"
        )
    audit.record(
        "marac.outcome.record",
        actor,
        object_type="marac_listing",
        object_id=listing.id,
        details={
            "referral_id": listing.referral_id,
            "meeting_id": listing.meeting_id,
            "outcome": {"old": old, "new": outcome},
            "relisted_at_meeting_id": relisted.meeting_id if relisted else None,
        },
        now=now,
    )
    return listing


def check_due_on(due_on: date | None, *, now: datetime, calendar: WorkingCalendar) -> None:
    """An action cannot fall due in the past (London today is allowed)."""
    if due_on is None:
        return
    if due_on < calendar.local_date(now):
        raise MaracError("The due date must be today or in the future", "due_on")
    if due_on.year > LATEST_DUE_YEAR:
        raise MaracError(f"The due date must be before {LATEST_DUE_YEAR + 1}", "due_on")


def add_action(
    listing_id: int,
    *,
    agency: str | None,
    description: str | None,
    due_on: date | None,
    actor: Actor,
    now: datetime,
    calendar: WorkingCalendar,
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
    check_due_on(due_on, now=now, calendar=calendar)
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
