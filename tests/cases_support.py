"""Test-only helpers for closing, "My cases" and search: cases with a MARAC listing and
actions, inserted directly, and the CSRF token from a page."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from tests.marac_support import make_referral
from triage.extensions import db
from triage.models import MaracAction, MaracListing, MaracMeeting, Referral

NOW = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)


def csrf_from(page) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def meeting(starts_at: datetime) -> MaracMeeting:
    row = MaracMeeting(starts_at=starts_at, cutoff_at=starts_at - timedelta(days=7), capacity=25)
    db.session.add(row)
    db.session.flush()
    return row


def listed(referral: Referral, at: MaracMeeting, status: str = "listed") -> MaracListing:
    row = MaracListing(
        meeting_id=at.id, referral_id=referral.id, status=status, criteria=["visible_high_risk"]
    )
    db.session.add(row)
    db.session.flush()
    return row


def action(listing: MaracListing, *, due_on: date | None = None, status: str = "open"):
    row = MaracAction(
        listing_id=listing.id,
        agency="housing",
        description="Fit a door chain",
        due_on=due_on,
        status=status,
    )
    db.session.add(row)
    db.session.flush()
    return row


def case(received_at: datetime = NOW, **fields) -> Referral:
    """A high-risk referral (15 yes answers) with `fields` set on it."""
    referral = make_referral(received_at, **fields.pop("make", {}))
    for key, value in fields.items():
        setattr(referral, key, value)
    db.session.flush()
    return referral
