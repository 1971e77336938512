"""After a MARAC meeting: the two follow-up deadlines (due_action_plan.plan_for_held_meeting)
and what their due actions do, and recording that minutes were sent or feedback given.

Minutes and actions go to agencies within 3 working days (the coordinator); the IDVA feeds
back to the victim within 2 working days (the case's IDVA or, without one, the S2S lead).
Each deadline reminds at opening time on its last day and escalates at close of business when
missed. Messages name a meeting date or a referral reference, never a person. Services flush
and audit in the caller's transaction; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import DueAction, MaracListing, MaracMeeting, Referral, User
from triage.services import audit, notifications
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.services.marac_meetings import MaracError
from triage.settings import Settings

MINUTES_KINDS = ("marac_minutes_reminder", "marac_minutes_escalation")
FEEDBACK_KINDS = ("marac_feedback_reminder", "marac_feedback_escalation")


def _local(instant: datetime, settings: Settings) -> str:
    return current_calendar(settings.calendar).to_local(instant).strftime("%H:%M on %a %d %b %Y")


def _meeting_day(meeting: MaracMeeting, settings: Settings) -> str:
    day = current_calendar(settings.calendar).local_date(meeting.starts_at)
    return f"{day.day} {day:%B %Y}"


def _with_fallback(*roles: str) -> list[User]:
    """The first role that has anyone: an alert nobody receives would be a lost deadline."""
    for role in roles:
        users = notifications.users_with_role(role)
        if users:
            return users
    return []


def _escalation_due(action: DueAction) -> datetime:
    """The deadline a reminder row belongs to: its escalation sibling's due time."""
    kind = action.kind.replace("_reminder", "_escalation")
    query = select(DueAction.due_at).where(
        DueAction.kind == kind, DueAction.marac_meeting_id == action.marac_meeting_id
    )
    if action.referral_id is not None:
        query = query.where(DueAction.referral_id == action.referral_id)
    return db.session.scalar(query.limit(1)) or action.due_at


def minutes_due(action: DueAction, *, now: datetime, actor: Actor, settings: Settings) -> dict:
    """Remind the coordinators, or escalate to managers, unless the minutes went out."""
    meeting = db.session.get(MaracMeeting, action.marac_meeting_id)
    if meeting is None:
        return {"outcome": "meeting no longer exists"}
    if meeting.minutes_sent_at is not None:
        return {"outcome": "minutes already sent"}
    day = _meeting_day(meeting, settings)
    if action.kind == "marac_minutes_reminder":
        users = _with_fallback("marac_coordinator")
        kind = "marac_minutes_reminder"
        message = (
            f"MARAC meeting of {day}: minutes and actions are due to agencies by "
            f"{_local(_escalation_due(action), settings)}"
        )
        outcome = "reminded"
    else:
        users = _with_fallback("manager", "marac_coordinator")
        kind = "marac_minutes_escalation"
        message = (
            f"MARAC meeting of {day}: minutes and actions were not sent to agencies by "
            f"{_local(action.due_at, settings)}"
        )
        outcome = "escalated"
    rows = notifications.notify(users, kind=kind, message=message, now=now)
    return {"outcome": outcome, "notified": [r.user_id for r in rows]}


def _feedback_listing(action: DueAction) -> MaracListing | None:
    return db.session.scalar(
        select(MaracListing).where(
            MaracListing.meeting_id == action.marac_meeting_id,
            MaracListing.referral_id == action.referral_id,
        )
    )


def feedback_due(
    action: DueAction, referral: Referral, *, now: datetime, actor: Actor, settings: Settings
) -> dict:
    """Remind the case's IDVA (or the S2S lead); a miss escalates to the S2S lead."""
    listing = _feedback_listing(action)
    if listing is None or listing.status != "heard" or listing.outcome == "withdrawn":
        return {"outcome": "case no longer heard"}
    if listing.feedback_given_at is not None:
        return {"outcome": "feedback already given"}
    idva = (
        referral.assigned_idva if referral.assigned_idva and referral.assigned_idva.active else None
    )
    leads = _with_fallback("s2s_lead", "screener")
    if action.kind == "marac_feedback_reminder":
        users = [idva] if idva else leads
        message = (
            f"Referral {referral.reference}: feedback to the victim after MARAC is due by "
            f"{_local(_escalation_due(action), settings)}"
        )
        outcome = "reminded"
    else:
        users = leads + ([idva] if idva and idva not in leads else [])
        message = (
            f"Referral {referral.reference}: no feedback to the victim after MARAC was "
            f"recorded by {_local(action.due_at, settings)}"
        )
        outcome = "escalated"
    rows = notifications.notify(
        users, kind=action.kind, message=message, now=now, referral_id=referral.id
    )
    return {"outcome": outcome, "notified": [r.user_id for r in rows]}


def _settle(query, outcome: str, now: datetime) -> list[int]:
    """Mark the still-open follow-up rows done: the thing they chase has happened."""
    rows = db.session.scalars(
        query.where(DueAction.status.in_(("pending", "enqueued", "running", "failed")))
    ).all()
    for row in rows:
        row.status = "done"
        row.done_at = now
        row.result = {"outcome": outcome}
    return [row.id for row in rows]


def record_minutes_sent(meeting_id: int, *, actor: Actor, now: datetime) -> MaracMeeting:
    """The coordinator sent the minutes and actions to agencies: stop their reminders."""
    meeting = db.session.get(MaracMeeting, meeting_id)
    if meeting is None:
        raise MaracError("That meeting does not exist")
    if meeting.status != "held":
        raise MaracError("Record the meeting as held first")
    if meeting.minutes_sent_at is not None:
        raise MaracError("The minutes are already recorded as sent")
    meeting.minutes_sent_at = now
    settled = _settle(
        select(DueAction).where(
            DueAction.marac_meeting_id == meeting.id, DueAction.kind.in_(MINUTES_KINDS)
        ),
        "minutes sent",
        now,
    )
    db.session.flush()
    audit.record(
        "marac.minutes.sent",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={"settled_due_actions": settled},
        now=now,
    )
    return meeting


def record_feedback_given(listing_id: int, *, actor: Actor, now: datetime) -> MaracListing:
    """The IDVA fed back to the victim after the hearing: stop its reminders."""
    listing = db.session.get(MaracListing, listing_id)
    if listing is None or listing.status != "heard":
        raise MaracError("Feedback can be recorded only for a case the meeting heard")
    if listing.feedback_given_at is not None:
        raise MaracError("Feedback is already recorded for this case")
    listing.feedback_given_at = now
    settled = _settle(
        select(DueAction).where(
            DueAction.marac_meeting_id == listing.meeting_id,
            DueAction.referral_id == listing.referral_id,
            DueAction.kind.in_(FEEDBACK_KINDS),
        ),
        "feedback given",
        now,
    )
    db.session.flush()
    audit.record(
        "marac.feedback.given",
        actor,
        object_type="marac_listing",
        object_id=listing.id,
        details={"referral_id": listing.referral_id, "settled_due_actions": settled},
        now=now,
    )
    return listing
