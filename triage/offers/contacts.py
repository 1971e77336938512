"""Every attempt and offer on a referral, as plain rows for the pages that list them (the
contact form and the referral page, through the `contact_rows` template global)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from triage.models import Referral
from triage.services import offers


@dataclass(frozen=True)
class ContactRow:
    made_at: datetime
    kind: str  # "offer" (reached the victim) or "attempt"
    method: str
    outcome: str
    timeliness: str
    made_by: str


def _timeliness(contact, referral: Referral) -> str:
    if offers.is_on_time(contact, referral):
        return "On time"
    if not offers.is_offer(contact.outcome):
        return "After the due time"
    reason = offers.LATE_REASONS.get(contact.late_reason or "", "no reason recorded")
    return f"Late: {reason}"


def contact_rows(referral: Referral) -> list[ContactRow]:
    """The referral's contacts, oldest first (the relationship's order)."""
    return [
        ContactRow(
            made_at=c.made_at,
            kind="offer" if offers.is_offer(c.outcome) else "attempt",
            method=offers.METHODS.get(c.method, c.method),
            outcome=offers.OUTCOMES.get(c.outcome, c.outcome),
            timeliness=_timeliness(c, referral),
            made_by=c.made_by.name if c.made_by else "System",
        )
        for c in referral.offers
    ]


def contact_status(referral: Referral) -> str:
    """The case's S2S state in words, for the referral page."""
    if referral.status == "closed":
        return "Closed"
    if offers.reached_victim(referral):
        return "Offer made: it reached the victim"
    attempts = offers.attempt_count(referral)
    if attempts:
        return f"Waiting for an offer: attempted \N{MULTIPLICATION SIGN}{attempts}, not reached"
    return "Waiting for an offer: not yet contacted"
