"""The synthetic referral's contact summary, kept as `services.offers.record_contact` keeps
it (the first contact; the first offer that reached the victim, with its hours and reason),
so that the reports read the same figures from synthetic data as from real."""

from __future__ import annotations

from datetime import datetime

from triage.services.offers import REACHED_OUTCOMES


def summarise(referral: dict, made: datetime, outcome: str, hours: float, reason) -> None:
    """Fold one contact row into the referral row's summary (earliest wins; a tie keeps
    the row made first, as the reports order)."""
    if referral["first_contact_at"] is None or made < referral["first_contact_at"]:
        referral["first_contact_at"] = made
    if outcome not in REACHED_OUTCOMES:
        return
    if referral["first_offer_at"] is None or made < referral["first_offer_at"]:
        referral.update(
            first_offer_at=made, first_offer_hours=hours, first_offer_late_reason=reason
        )
