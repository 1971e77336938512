"""The scheduling service on its own: planning, running each kind once, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_user
from tests.settings_support import app_settings
from tests.workers.support import ACTOR, actions, audit_actions, make_referral
from triage.extensions import db
from triage.models import DueAction, Notification, Offer, OutboxMessage
from triage.services import due_action_plan, due_action_run, offers
from triage.services.calendar import current_calendar

# Monday 23 November 2026, 10:00 London (GMT): the offer is due Tuesday 17:00.
RECEIVED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


def test_plan_sets_the_deadline_and_writes_keyed_rows(app_ctx):
    referral = make_referral(RECEIVED)
    ids = due_action_plan.plan_for_referral(
        referral, now=RECEIVED, actor=ACTOR, settings=app_settings()
    )
    assert referral.offer_due_at == DUE
    rows = actions(referral.id)
    assert set(rows) == {"offer_reminder", "offer_escalation"}
    assert sorted(ids) == sorted(r.id for r in rows.values())
    assert rows["offer_reminder"].due_at == DUE - timedelta(hours=2)
    assert rows["offer_escalation"].due_at == DUE
    assert rows["offer_escalation"].key == f"{referral.id}:offer_escalation:{DUE.isoformat()}"
    assert all(r.status == "pending" for r in rows.values())
    assert len(audit_actions("due_action.plan", referral.id)) == 1


def test_planning_twice_adds_nothing(app_ctx):
    referral = make_referral(RECEIVED, marac=True)
    first = due_action_plan.plan_for_referral(
        referral, now=RECEIVED, actor=ACTOR, settings=app_settings()
    )
    second = due_action_plan.plan_for_referral(
        referral, now=RECEIVED, actor=ACTOR, settings=app_settings()
    )
    assert sorted(first) == sorted(second)
    assert len(first) == 3
    assert len(audit_actions("due_action.plan", referral.id)) == 1


def test_marac_case_gets_a_listing_due_now(app_ctx):
    referral = make_referral(RECEIVED, marac=True)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    assert actions(referral.id)["marac_listing"].due_at == RECEIVED


def test_reminder_already_past_is_due_now(app_ctx):
    late = DUE - timedelta(minutes=30)
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=late, actor=ACTOR, settings=app_settings())
    assert actions(referral.id)["offer_reminder"].due_at == late


def test_reminder_goes_to_the_assigned_screener_once(app_ctx):
    screener = make_user(roles=["screener"])
    other = make_user(roles=["screener"])
    referral = make_referral(RECEIVED, screener_id=screener.id)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    row = actions(referral.id)["offer_reminder"]
    at = row.due_at
    result = due_action_run.run_due_action(row.id, now=at, actor=ACTOR, settings=app_settings())
    again = due_action_run.run_due_action(row.id, now=at, actor=ACTOR, settings=app_settings())
    assert result["outcome"] == "reminded"
    assert again["already"] == "done"
    notes = db.session.scalars(db.select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notes] == [(screener.id, "offer_reminder")]
    assert other.id not in {n.user_id for n in notes}
    assert referral.reference in notes[0].message
    assert len(audit_actions("due_action.run", row.id)) == 1


def test_reminder_without_assignee_goes_to_every_screener(app_ctx):
    screeners = {make_user(roles=["screener"]).id for _ in range(2)}
    make_user(roles=["referrer"])
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    row = actions(referral.id)["offer_reminder"]
    due_action_run.run_due_action(row.id, now=row.due_at, actor=ACTOR, settings=app_settings())
    assert {n.user_id for n in db.session.scalars(db.select(Notification))} == screeners


def test_nothing_happens_before_the_due_time(app_ctx):
    make_user(roles=["screener"])
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    row = actions(referral.id)["offer_escalation"]
    result = due_action_run.run_due_action(
        row.id, now=DUE - timedelta(minutes=1), actor=ACTOR, settings=app_settings()
    )
    assert result["outcome"] == "not yet due"
    assert actions(referral.id)["offer_escalation"].status == "pending"
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_escalation_notifies_leads_and_mails_a_link_only(app_ctx):
    lead = make_user(roles=["screener", "s2s_lead"], email="lead@example.test")
    make_user(roles=["screener"])
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    row = actions(referral.id)["offer_escalation"]
    result = due_action_run.run_due_action(row.id, now=DUE, actor=ACTOR, settings=app_settings())
    assert result["outcome"] == "escalated"
    notes = db.session.scalars(db.select(Notification)).all()
    assert [(n.user_id, n.kind) for n in notes] == [(lead.id, "offer_escalation")]
    (message,) = db.session.scalars(db.select(OutboxMessage)).all()
    assert result["mail_ids"] == [message.id]
    assert message.to_address == "lead@example.test"
    assert message.status == "pending"
    assert referral.reference in message.subject
    assert f"/referrals/{referral.id}" in message.body
    victim = referral.victim_details
    for personal in (victim.first_name, victim.last_name, referral.referrer_name):
        assert personal not in message.body and personal not in message.subject
        assert personal not in notes[0].message


def test_no_escalation_when_the_offer_was_made(app_ctx):
    make_user(roles=["s2s_lead"])
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    db.session.add(
        Offer(
            referral_id=referral.id,
            made_at=DUE - timedelta(hours=3),
            method="phone",
            outcome="accepted",
        )
    )
    referral.status = "offer_made"
    db.session.flush()
    rows = actions(referral.id)
    assert due_action_run.run_due_action(
        rows["offer_reminder"].id, now=DUE, actor=ACTOR, settings=app_settings()
    ) == {"outcome": "offer already made"}
    result = due_action_run.run_due_action(
        rows["offer_escalation"].id, now=DUE, actor=ACTOR, settings=app_settings()
    )
    assert result == {"outcome": "offer made on time"}
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))) == 0


@pytest.mark.parametrize("final", [False, True])
def test_failures_are_counted_and_the_last_marks_the_row_failed(app_ctx, final):
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    row = actions(referral.id)["offer_escalation"]
    due_action_run.record_failure(row.id, "RuntimeError: boom", final=final, now=DUE, actor=ACTOR)
    row = db.session.get(DueAction, row.id)
    assert row.attempts == 1
    assert row.last_error == "RuntimeError: boom"
    assert row.status == ("failed" if final else "pending")
    action = "due_action.failed" if final else "due_action.retry"
    assert len(audit_actions(action, row.id)) == 1


def test_failed_row_can_be_retried_by_an_admin(app_ctx):
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    row = actions(referral.id)["offer_reminder"]
    due_action_run.record_failure(row.id, "boom", final=True, now=DUE, actor=ACTOR)
    assert due_action_run.retry_failed(row.id, now=DUE, actor=ACTOR)
    assert db.session.get(DueAction, row.id).status == "pending"
    assert not due_action_run.retry_failed(row.id, now=DUE, actor=ACTOR)


def test_closed_referral_is_neither_reminded_nor_escalated(app_ctx):
    make_user(roles=["screener", "s2s_lead"])
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    referral.status = "closed"
    db.session.flush()
    for row in actions(referral.id).values():
        result = due_action_run.run_due_action(
            row.id, now=DUE, actor=ACTOR, settings=app_settings()
        )
        assert result == {"outcome": "referral closed"}
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 0


def test_escalation_without_an_s2s_lead_goes_to_the_screeners(app_ctx):
    screener = make_user(roles=["screener"])
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    row = actions(referral.id)["offer_escalation"]
    result = due_action_run.run_due_action(row.id, now=DUE, actor=ACTOR, settings=app_settings())
    assert result["outcome"] == "escalated to screeners (no S2S lead)"
    assert result["notified"] == [screener.id]
    assert len(result["mail_ids"]) == 1


@pytest.mark.parametrize("outcome", ["no_contact", "unsafe_to_contact"])
def test_an_attempt_does_not_stop_the_reminder_or_the_escalation(app_ctx, outcome):
    lead = make_user(roles=["s2s_lead"])
    screener = make_user(roles=["screener"])
    referral = make_referral(RECEIVED)
    due_action_plan.plan_for_referral(referral, now=RECEIVED, actor=ACTOR, settings=app_settings())
    offers.record_contact(
        referral.id,
        made_at=DUE - timedelta(hours=4),
        method="phone",
        outcome=outcome,
        notes=None,
        late_reason=None,
        actor=ACTOR,
        now=DUE - timedelta(hours=4),
        calendar=current_calendar(app_settings().calendar),
    )
    assert referral.status == "received"
    rows = actions(referral.id)
    reminded = due_action_run.run_due_action(
        rows["offer_reminder"].id,
        now=DUE - timedelta(hours=2),
        actor=ACTOR,
        settings=app_settings(),
    )
    assert reminded["outcome"] == "reminded" and screener.id in reminded["notified"]
    escalated = due_action_run.run_due_action(
        rows["offer_escalation"].id, now=DUE, actor=ACTOR, settings=app_settings()
    )
    assert escalated["outcome"] == "escalated" and escalated["notified"] == [lead.id]
