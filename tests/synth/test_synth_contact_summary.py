"""The synthetic data's contact summary and working hours agree with its offer rows, as
`record_contact` would have stored them (the reports read the summary)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import Offer, Referral
from triage.services.calendar import current_calendar
from triage.services.offers import REACHED_OUTCOMES
from triage.services.synth import build

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def test_each_referral_summarises_its_offer_rows(app_ctx):
    settings = app_settings()
    build(referrals=400, days=60, seed=3, now=NOW, settings=settings)
    db.session.commit()
    offers: dict[int, list[Offer]] = {}
    for offer in db.session.scalars(select(Offer).order_by(Offer.made_at, Offer.id)):
        offers.setdefault(offer.referral_id, []).append(offer)
    referrals = db.session.scalars(select(Referral)).all()
    calendar = current_calendar(settings.calendar)
    reached = 0
    for referral in referrals:
        rows = offers.get(referral.id, [])
        first = next((o for o in rows if o.outcome in REACHED_OUTCOMES), None)
        reached += first is not None
        assert referral.first_contact_at == (rows[0].made_at if rows else None)
        assert referral.first_offer_at == (first.made_at if first else None)
        assert referral.first_offer_hours == (first.working_hours if first else None)
        assert referral.first_offer_late_reason == (first.late_reason if first else None)
        for offer in rows:
            expected = calendar.working_hours_between(referral.received_at, offer.made_at)
            assert abs(offer.working_hours - expected) < 1e-9
    assert 0 < reached < len(referrals)
