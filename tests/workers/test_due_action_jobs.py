"""A referral's due actions run by a real RQ worker on real Redis, at the right (frozen) times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from rq import Queue
from rq.registry import ScheduledJobRegistry

from tests.factories import make_user
from tests.settings_support import enqueue
from tests.workers.support import actions, audit_actions, planned_referral, run_worker
from triage.extensions import db
from triage.models import Notification
from triage.services import due_action_kinds, due_action_queue

# Friday 27 March 2026, 16:59 London (GMT). The offer is due Monday 30 March 17:00 London,
# which is 16:00 UTC: the clocks went forward on Sunday 29 March.
RECEIVED = datetime(2026, 3, 27, 16, 59, tzinfo=UTC)
DUE = datetime(2026, 3, 30, 16, 0, tzinfo=UTC)
REMINDER = DUE - timedelta(hours=2)


def _kinds_notified() -> list[str]:
    db.session.expire_all()
    return sorted(n.kind for n in db.session.scalars(db.select(Notification)))


def test_reminder_then_escalation_fire_on_time_and_not_before(app_ctx, redis_client):
    screener = make_user(roles=["screener"])
    lead = make_user(roles=["screener", "s2s_lead"])
    with time_machine.travel(RECEIVED, tick=False):
        referral, ids = planned_referral(RECEIVED, RECEIVED, screener_id=screener.id)
        assert referral.offer_due_at == DUE
        enqueue(ids)
        rows = actions(referral.id)
        assert {r.status for r in rows.values()} == {"enqueued"}
        scheduled = ScheduledJobRegistry(queue=Queue("deadlines", connection=redis_client))
        assert scheduled.count == 2
        run_worker(redis_client)
        assert _kinds_notified() == []

    with time_machine.travel(REMINDER - timedelta(seconds=1), tick=False):
        run_worker(redis_client)
        assert _kinds_notified() == []

    with time_machine.travel(REMINDER, tick=False):
        run_worker(redis_client)
        assert _kinds_notified() == ["offer_reminder"]
        rows = actions(referral.id)
        assert rows["offer_reminder"].status == "done"
        assert rows["offer_reminder"].done_at == REMINDER
        assert rows["offer_escalation"].status == "enqueued"

    with time_machine.travel(DUE - timedelta(seconds=1), tick=False):
        run_worker(redis_client)
        assert _kinds_notified() == ["offer_reminder"]

    with time_machine.travel(DUE, tick=False):
        run_worker(redis_client)
        assert _kinds_notified() == ["offer_escalation", "offer_reminder"]
        notes = {n.kind: n for n in db.session.scalars(db.select(Notification))}
        assert notes["offer_reminder"].user_id == screener.id
        assert notes["offer_escalation"].user_id == lead.id
        assert actions(referral.id)["offer_escalation"].done_at == DUE
        run_worker(redis_client)  # nothing left to do: still one of each
        assert _kinds_notified() == ["offer_escalation", "offer_reminder"]
        for row in actions(referral.id).values():
            assert len(audit_actions("due_action.run", row.id)) == 1


def test_a_job_that_keeps_failing_marks_its_row_failed(app_ctx, redis_client, monkeypatch):
    make_user(roles=["s2s_lead"])
    with time_machine.travel(DUE, tick=False):
        referral, _ids = planned_referral(RECEIVED, DUE)

        def broken(*_args, **_kwargs):
            raise RuntimeError("notification store unavailable")

        # Failure injection: the dispatch for this kind raises on every attempt.
        monkeypatch.setitem(due_action_kinds.DISPATCH, "offer_escalation", broken)
        row_id = actions(referral.id)["offer_escalation"].id
        enqueue([row_id])
        queue = Queue("deadlines", connection=redis_client)
        job = queue.fetch_job(
            due_action_queue.job_id_for(actions(referral.id)["offer_escalation"].key)
        )
        assert job.retries_left == 3
    # Each retry is scheduled 10, 30, 60 s later: step the clock past each one.
    for step in (0, 11, 42, 103):
        with time_machine.travel(DUE + timedelta(seconds=step), tick=False):
            run_worker(redis_client)
    row = actions(referral.id)["offer_escalation"]
    assert row.status == "failed"
    assert row.attempts == 4
    assert "notification store unavailable" in row.last_error
    assert len(audit_actions("due_action.retry", row.id)) == 3
    assert len(audit_actions("due_action.failed", row.id)) == 1
    assert len(audit_actions("due_action.run", row.id)) == 0
