"""The synthetic data generator (issue 11) on small N, on both back ends: counts, realistic
proportions (within tolerance), repeats sharing person rows with their own details rows,
offers on time and late, MARAC listings and actions, due actions in their states, a chain
that verifies, determinism for a seed, and the refusals."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import (
    AuditEvent,
    DueAction,
    MaracAction,
    MaracListing,
    Offer,
    Person,
    PersonDetails,
    Referral,
)
from triage.services import audit
from triage.services.synth import SynthRefused, build

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
N = 1500


def _build(seed: int = 7, referrals: int = N):
    return build(referrals=referrals, days=180, seed=seed, now=NOW, settings=app_settings())


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def built(app_ctx):
    report = _build()
    db.session.commit()  # a savepoint in tests: the queue and the chain as in the CLI
    return report


def test_counts_and_proportions(built):
    assert built.rows["referrals"] == N == _count(Referral)
    assert _count(PersonDetails) == 2 * N  # every referral its own victim and perpetrator rows
    sources = Counter(db.session.scalars(select(Referral.source_agency)))
    assert 0.86 <= sources["police"] / N <= 0.94
    assert len(sources) >= 4
    risks = Counter(db.session.scalars(select(Referral.risk_level)))
    assert 0.08 <= risks["high"] / N <= 0.30  # a high-risk tail
    assert risks["standard"] > risks["medium"] > 0
    assert 0.02 <= _count_where(Referral.mcic.is_(True)) / N <= 0.6


def _count_where(condition) -> int:
    return db.session.scalar(select(func.count()).select_from(Referral).where(condition))


def test_repeat_victims_share_a_person_and_keep_their_own_details(built):
    victims = Counter(db.session.scalars(select(Referral.victim_id)))
    repeats = sum(count - 1 for count in victims.values())
    assert 0.15 <= repeats / N <= 0.35
    # Repeats spread over the victims: no victim gathers a pile (a draw once clamped to
    # the first victim gave one of them hundreds).
    assert max(victims.values()) <= 12
    persons = _count(Person)
    assert N < persons < 2 * N  # shared victims: fewer person rows than people named
    victim_id = next(v for v, count in victims.items() if count > 1)
    rows = db.session.scalars(
        select(PersonDetails)
        .join(Referral, Referral.id == PersonDetails.referral_id)
        .where(Referral.victim_id == victim_id, PersonDetails.role == "victim")
    ).all()
    assert len({row.referral_id for row in rows}) == victims[victim_id]


def test_offers_listings_and_due_actions(built):
    offers = db.session.scalars(select(Offer)).all()
    reached_offers = [o for o in offers if o.outcome in ("accepted", "declined")]
    late = [o for o in reached_offers if o.made_at > o.referral.offer_due_at]
    assert late and all(o.late_reason for o in late)
    on_time = [o for o in reached_offers if o.made_at <= o.referral.offer_due_at]
    assert len(on_time) > len(late)
    assert all(o.late_reason is None for o in on_time)
    # Only a late offer carries a lateness reason (offers.check_contact): never an attempt.
    assert all(o.late_reason is None for o in offers if o not in reached_offers)
    assert any(o.outcome == "no_contact" for o in offers)
    assert all(o.working_hours is not None for o in offers)
    # An attempt is not an offer: a case is "offer made" only once an offer reached the
    # victim, and one with attempts only is still waiting (or closed as no contact).
    reached = {o.referral_id for o in offers if o.outcome in ("accepted", "declined")}
    attempted_only = {o.referral_id for o in offers} - reached
    assert attempted_only
    for referral in db.session.scalars(select(Referral).where(Referral.id.in_(attempted_only))):
        assert referral.status in ("received", "closed")
        assert referral.status == "received" or referral.closure_reason == "no_contact"
    offer_made = set(db.session.scalars(select(Referral.id).where(Referral.status == "offer_made")))
    assert offer_made <= reached
    assert _count(MaracListing) > 0 and _count(MaracAction) > 0
    listed = db.session.scalars(select(MaracListing.referral_id)).all()
    assert len(listed) == len(set(listed))  # one listing per referral
    assert set(db.session.scalars(select(Referral.marac).where(Referral.id.in_(listed)))) == {True}
    statuses = Counter(db.session.scalars(select(DueAction.status)))
    assert statuses["done"] > 0 and statuses["enqueued"] > 0  # run, or waiting in Redis
    assert _count_where(Referral.status == "closed") > 0


def test_the_audit_chain_verifies(built):
    report = audit.verify_stored_chain()
    assert report.ok, report
    assert report.events == _count(AuditEvent) == built.head_seq
    creates = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "referral.create")
    )
    assert creates == N
    times = db.session.scalars(select(AuditEvent.occurred_at).order_by(AuditEvent.seq)).all()
    assert times == sorted(times)  # chained in the order things happened


def test_the_same_seed_gives_the_same_database(app_ctx):
    heads = []
    for seed in (3, 3, 4):
        savepoint = db.session.begin_nested()
        report = _build(seed=seed, referrals=300)
        heads.append((report.rows, db.session.scalar(select(AuditEvent.hash).order_by(
            AuditEvent.seq.desc()).limit(1))))  # fmt: skip
        savepoint.rollback()
    assert heads[0] == heads[1]
    assert heads[0][1] != heads[2][1]


def test_refuses_a_database_with_referrals(built):
    with pytest.raises(SynthRefused, match="already holds referrals"):
        _build()


def test_the_command_refuses_in_production(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SEED_DEMO_ALLOWED", False)
    result = app.test_cli_runner().invoke(args=["triage", "synth", "--referrals", "10"])
    assert result.exit_code != 0
    assert "production" in result.output
    assert _count(Referral) == 0


def test_the_command_builds_and_reports(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=["triage", "synth", "--referrals", "50", "--days", "30", "--seed", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "50 referrals in" in result.output
    assert _count(Referral) == 50
    assert audit.verify_stored_chain().ok


def test_a_regions_volume_gets_several_meetings_a_week(app_ctx):
    from triage.services.calendar import current_calendar
    from triage.services.synth.meetings import CAPACITY, Meetings

    calendar = current_calendar(app_settings().calendar)
    meetings = Meetings(1, NOW - timedelta(days=60), NOW, calendar, per_week=3)
    starts = [row["starts_at"] for row in meetings.rows]
    assert len(starts) == len(set(starts))  # one meeting per time
    slots = [row["scheduled_for"] for row in meetings.rows if row["scheduled_for"]]
    assert len(slots) == len(set(slots)) == len(starts) // 3  # one schedule slot a week
    at = NOW - timedelta(days=30)
    placed = [meetings.allocate(at) for _ in range(3 * CAPACITY + 1)]
    first_ids = {meeting["id"] for meeting, _ in placed[:CAPACITY]}
    assert len(first_ids) == 1 and all(row[0]["cutoff_at"] > at for row in placed)
    assert placed[-1][1] is not None  # the fourth meeting's case was pushed from a full one


def test_screening_decisions_and_marac_outcomes(built):
    from triage.models import ScreeningDecision

    decisions = db.session.scalars(select(ScreeningDecision)).all()
    firsts = [d for d in decisions if d.version == 1]
    screened = {d.referral_id for d in firsts}
    old = db.session.scalars(
        select(Referral.id).where(Referral.received_at < NOW - timedelta(days=3))
    ).all()
    assert 0.8 <= len(screened & set(old)) / len(old) <= 0.97  # most, not all
    revised = [d for d in decisions if d.version == 2]
    assert revised and {d.referral_id for d in revised} <= screened
    assert len(revised) < 0.1 * len(firsts)
    routes = Counter(d.route for d in decisions)
    assert routes["s2s_offer"] > routes["marac"] > 0
    marac_ids = set(db.session.scalars(select(Referral.id).where(Referral.marac.is_(True))))
    assert {d.referral_id for d in decisions if d.route == "marac"} <= marac_ids
    assert all(d.signpost_to for d in decisions if d.route == "signpost")
    assert all(d.no_action_reason for d in decisions if d.route == "no_further_action")
    # The latest decision's owner holds the case, as `decide` assigns it.
    latest = {d.referral_id: d for d in sorted(decisions, key=lambda d: d.version)}
    for decision in latest.values():
        referral = db.session.get(Referral, decision.referral_id)
        assert decision.owner_id in (referral.assigned_idva_id, referral.assigned_screener_id)
    events = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "screening.decide")
    )
    assert events == len(decisions)

    heard = db.session.scalars(
        select(MaracListing).where(
            MaracListing.status == "heard", MaracListing.heard_at < NOW - timedelta(days=2)
        )
    ).all()
    assert heard and all(x.outcome == "actions_agreed" for x in heard)
    assert all(x.outcome_recorded_at > x.heard_at for x in heard)
    listed = db.session.scalars(select(MaracListing).where(MaracListing.status == "listed"))
    assert all(x.outcome is None for x in listed)
    outcomes = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "marac.outcome.record")
    )
    assert outcomes == _count_where_listing(MaracListing.outcome.is_not(None))


def _count_where_listing(condition) -> int:
    return db.session.scalar(select(func.count()).select_from(MaracListing).where(condition))
