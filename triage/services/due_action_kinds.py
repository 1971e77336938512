"""What each kind of due action does when its time comes, and the text it sends.

Called by `due_action_run.run_due_action` inside its transaction; each returns the result
stored on the row. Messages name a referral reference and a link, never a person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import DueAction, Offer, Referral
from triage.services import mail, marac_follow_up, marac_listing, notifications, offers
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.services.marac_meetings import NotEligible
from triage.settings import Settings


def _local(instant: datetime, settings: Settings) -> str:
    return current_calendar(settings.calendar).to_local(instant).strftime("%H:%M on %a %d %b %Y")


def _has_offer(referral: Referral) -> bool:
    """An offer reached the victim; attempts (no contact, unsafe) keep the reminders going."""
    return referral.status != "received" or offers.reached_victim(referral)


def offer_reminder(
    action: DueAction, referral: Referral, *, now: datetime, actor: Actor, settings: Settings
) -> dict:
    if referral.status == "closed":
        return {"outcome": "referral closed"}
    if _has_offer(referral):
        return {"outcome": "offer already made"}
    if referral.assigned_screener is not None and referral.assigned_screener.active:
        users = [referral.assigned_screener]
    else:
        users = notifications.users_with_role("screener")
    due = _local(referral.offer_due_at, settings)
    message = f"Referral {referral.reference}: a support offer is due by {due}"
    rows = notifications.notify(
        users, kind="offer_reminder", message=message, now=now, referral_id=referral.id
    )
    return {"outcome": "reminded", "notified": [row.user_id for row in rows]}


def offer_escalation(
    action: DueAction, referral: Referral, *, now: datetime, actor: Actor, settings: Settings
) -> dict:
    if referral.status == "closed":
        return {"outcome": "referral closed"}
    first_offer = db.session.scalar(
        select(Offer.made_at)
        .where(Offer.referral_id == referral.id, Offer.outcome.in_(offers.REACHED_OUTCOMES))
        .order_by(Offer.made_at)
        .limit(1)
    )
    if first_offer is not None:
        on_time = first_offer <= referral.offer_due_at
        return {"outcome": "offer made on time" if on_time else "offer made late"}
    if referral.status != "received":
        return {"outcome": "offer already made"}
    leads = notifications.users_with_role("s2s_lead")
    fallback = not leads
    if fallback:
        # No S2S lead configured: an escalation nobody receives would be a lost deadline.
        leads = notifications.users_with_role("screener")
    message = (
        f"Referral {referral.reference} is overdue: no support offer was recorded by "
        f"{_local(referral.offer_due_at, settings)}"
    )
    rows = notifications.notify(
        leads, kind="offer_escalation", message=message, now=now, referral_id=referral.id
    )
    link = settings.referral_link(referral.id)
    mail_ids = [
        mail.queue_message(
            to_address=lead.email,
            subject=f"Referral {referral.reference} is overdue",
            body=(
                f"Referral {referral.reference} has no support offer recorded by its due time.\n"
                f"\nOpen it (sign-in required): {link}\n"
            ),
            kind="offer_escalation",
            now=now,
            referral_id=referral.id,
        ).id
        for lead in leads
    ]
    return {
        "outcome": "escalated to screeners (no S2S lead)" if fallback else "escalated",
        "notified": [r.user_id for r in rows],
        "mail_ids": mail_ids,
    }


def marac_listing_due(
    action: DueAction, referral: Referral, *, now: datetime, actor: Actor, settings: Settings
) -> dict:
    if referral.status == "closed":
        return {"outcome": "referral closed"}  # a closed case is never listed (or re-listed)
    try:
        listing = marac_listing.list_referral(
            referral.id,
            now=now,
            actor=actor,
            settings=settings.marac,
            calendar=current_calendar(settings.calendar),
        )
    except NotEligible:
        # Re-assessed since it was planned: nothing to list, and nothing to retry.
        return {"outcome": "no longer eligible"}
    return {"outcome": "listed", "listing_id": listing.id, "meeting_id": listing.meeting_id}


DISPATCH: dict[str, Callable[..., dict]] = {
    "offer_reminder": offer_reminder,
    "offer_escalation": offer_escalation,
    "marac_listing": marac_listing_due,
    "marac_feedback_reminder": marac_follow_up.feedback_due,
    "marac_feedback_escalation": marac_follow_up.feedback_due,
}
# Kinds that belong to a meeting rather than a referral: called without one.
MEETING_DISPATCH: dict[str, Callable[..., dict]] = {
    "marac_minutes_reminder": marac_follow_up.minutes_due,
    "marac_minutes_escalation": marac_follow_up.minutes_due,
}
