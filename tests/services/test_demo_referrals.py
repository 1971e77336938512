"""Demo referrals: realistic, deterministic, made through the intake service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import Referral, User
from triage.permissions.cases import visible_referrals_clause
from triage.rules import Assessment, assess
from triage.services import demo
from triage.services.audit import verify_stored_chain
from triage.services.referral_summary import facts_for

NOW = datetime(2026, 5, 5, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("app_ctx")


def test_seed_makes_a_realistic_spread_of_referrals():
    demo.seed(days=60, now=NOW, settings=app_settings())
    referrals = db.session.scalars(select(Referral).order_by(Referral.received_at)).all()
    assert 55 <= len(referrals) <= 65
    assert all(NOW - timedelta(days=60) <= r.received_at <= NOW for r in referrals)
    police = sum(r.source_agency == "police" for r in referrals)
    assert police > len(referrals) / 2 and police < len(referrals)
    assert {r.risk_level for r in referrals} == {"standard", "medium", "high"}
    criteria = {c for r in referrals for c in r.assessment["marac_criteria"]}
    assert criteria == {
        "visible_high_risk",
        "professional_judgement",
        "potential_escalation",
        "repeat",
    }
    assert any(r.mcic for r in referrals)
    assert any(r.children_in_household for r in referrals)
    assert any(r.assessment["answered"] < 24 for r in referrals)  # some incomplete checklists
    pairs = [(r.victim_id, r.perpetrator_id) for r in referrals]
    assert len(set(pairs)) < len(pairs)  # the same pair referred again
    # Stored exactly as the intake service stores any referral.
    for r in referrals:
        assert Assessment.from_dict(r.assessment) == assess(facts_for(r))
        assert r.offer_due_at is not None
    assert verify_stored_chain().ok


def test_every_case_working_role_sees_demo_referrals():
    demo.seed(days=60, now=NOW, settings=app_settings())
    for local in ("referrer", "idva", "screener"):
        user = db.session.scalar(select(User).where(User.email == f"{local}@{demo.DEMO_DOMAIN}"))
        visible = db.session.scalars(select(Referral.id).where(visible_referrals_clause(user)))
        assert len(visible.all()) >= 10, local


def _fingerprint() -> list[tuple]:
    return [
        (r.received_at, r.source_agency, r.score, r.risk_level, r.victim_details.display_name)
        for r in db.session.scalars(select(Referral).order_by(Referral.received_at))
    ]


def test_seed_is_deterministic_and_runs_once():
    prints = []
    for _ in range(2):
        savepoint = db.session.begin_nested()
        demo.seed(days=60, now=NOW, settings=app_settings())
        prints.append(_fingerprint())
        assert (
            demo.seed_referrals({}, days=60, now=NOW, settings=app_settings()) == 0
        )  # a second run adds nothing
        savepoint.rollback()
    assert prints[0] == prints[1] and len(prints[0]) >= 55


def test_no_referrals_for_zero_days():
    demo.seed(days=0, now=NOW, settings=app_settings())
    assert db.session.scalars(select(Referral)).all() == []


def test_old_demo_cases_sit_on_the_meeting_of_their_day():
    """Each MARAC case is listed when it arrived (its meeting since held), so the demo's
    next meeting is not crowded with two months of cases."""
    from triage.models import MaracListing, MaracMeeting

    demo.seed(days=60, now=NOW, settings=app_settings())
    marac_ids = set(db.session.scalars(select(Referral.id).where(Referral.marac)))
    listings = db.session.scalars(select(MaracListing)).all()
    assert {listing.referral_id for listing in listings} == marac_ids
    for listing in listings:
        referral = db.session.get(Referral, listing.referral_id)
        assert listing.meeting.starts_at > referral.received_at
        assert listing.meeting.cutoff_at >= referral.received_at
    past = db.session.scalars(select(MaracMeeting).where(MaracMeeting.starts_at < NOW)).all()
    assert past and all(meeting.status == "held" for meeting in past)
    heard = [listing for listing in listings if listing.meeting.starts_at < NOW]
    assert heard and all(listing.status == "heard" for listing in heard)
