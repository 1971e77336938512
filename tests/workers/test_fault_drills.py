"""Fault drills: Redis flushed, Redis refusing enqueues, the same job twice, concurrent
listings. (The worker-killed drill is in test_kill_drill.py: it needs real processes.)"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue
from rq.registry import ScheduledJobRegistry

from tests.conftest import BACKEND
from tests.factories import make_user
from tests.settings_support import app_settings, enqueue
from tests.workers.support import (
    ACTOR,
    actions,
    audit_actions,
    make_referral,
    planned_referral,
    run_worker,
)
from triage.extensions import db
from triage.models import DueAction, MaracListing, MaracMeeting, Notification
from triage.services import due_action_plan, due_action_queue, due_action_run, due_action_sweep
from triage.timeutil import utcnow
from workers import jobs

# Tuesday 1 December 2026, 11:00 London (GMT).
NOW = datetime(2026, 12, 1, 11, 0, tzinfo=UTC)


def _open_rows() -> list[DueAction]:
    db.session.expire_all()
    query = db.select(DueAction).where(DueAction.status.in_(("pending", "enqueued")))
    return list(db.session.scalars(query))


def test_redis_flushed_the_sweeper_restores_every_deadline(app_ctx, redis_client):
    make_user(roles=["screener", "s2s_lead"])
    with time_machine.travel(NOW, tick=False):
        referrals = [
            planned_referral(NOW - timedelta(hours=h), NOW, marac=(h == 0))[0] for h in (0, 1, 26)
        ]
        enqueue([r.id for r in _open_rows()])
        db.session.commit()
        redis_client.flushdb()  # every timer gone

        report = due_action_sweep.sweep(NOW, settings=app_settings())
        db.session.commit()
        open_rows = _open_rows()
        assert report.requeued == len(open_rows) == 7
        queue = Queue("deadlines", connection=redis_client)
        scheduled = ScheduledJobRegistry(queue=queue)
        for row in open_rows:
            job_id = due_action_queue.job_id_for(row.key)
            if row.due_at > NOW:
                # Back in the scheduled registry at exactly its due time.
                assert scheduled.get_scheduled_time(job_id) == row.due_at
            else:
                assert job_id in queue.job_ids
        (event,) = audit_actions("due_action.requeue")
        assert sorted(event.details["due_action_ids"]) == sorted(r.id for r in open_rows)
        # A second sweep finds nothing lost.
        assert due_action_sweep.sweep(NOW, settings=app_settings()).requeued == 0

    with time_machine.travel(NOW + timedelta(days=3), tick=False):
        run_worker(redis_client)
    assert _open_rows() == []
    for referral in referrals:
        assert {r.status for r in actions(referral.id).values()} == {"done"}


def test_enqueue_raising_leaves_the_referral_saved_and_the_sweeper_does_it(
    app_ctx, redis_client, monkeypatch
):
    make_user(roles=["screener", "s2s_lead"])

    def refuse(*_args, **_kwargs):
        raise RedisConnectionError("Redis is down (drill)")

    with time_machine.travel(NOW, tick=False):
        monkeypatch.setattr(Queue, "enqueue", refuse)
        monkeypatch.setattr(Queue, "enqueue_at", refuse)
        referral, ids = planned_referral(NOW, NOW, marac=True)
        enqueue(ids)  # must not raise
        assert {r.status for r in actions(referral.id).values()} == {"pending"}
        monkeypatch.undo()

        report = due_action_sweep.sweep(NOW, settings=app_settings())
        db.session.commit()
        assert report.enqueued == 3
        assert {r.status for r in actions(referral.id).values()} == {"enqueued"}
        run_worker(redis_client)
        rows = actions(referral.id)
        assert rows["marac_listing"].status == "done"
        assert rows["offer_escalation"].status == "enqueued"

    due = referral.offer_due_at
    with time_machine.travel(due, tick=False):
        run_worker(redis_client)
    assert {r.status for r in actions(referral.id).values()} == {"done"}
    kinds = sorted(n.kind for n in db.session.scalars(db.select(Notification)))
    assert kinds == ["offer_escalation", "offer_reminder"]


def test_the_same_job_enqueued_twice_lists_once_with_one_audit_event(app_ctx, redis_client):
    with time_machine.travel(NOW, tick=False):
        referral, _ids = planned_referral(NOW, NOW, marac=True)
        row = actions(referral.id)["marac_listing"]
        enqueue([row.id])
        enqueue([row.id])  # same deterministic job id: a no-op
        queue = Queue("deadlines", connection=redis_client)
        assert queue.job_ids.count(due_action_queue.job_id_for(row.key)) == 1
        # A stray second job for the same action (e.g. from an old deploy) is harmless too.
        queue.enqueue(jobs.run_due_action, row.id, job_id="stray-duplicate")
        run_worker(redis_client)
    listings = db.session.scalars(
        db.select(MaracListing).where(MaracListing.referral_id == referral.id)
    ).all()
    assert len(listings) == 1
    assert len(audit_actions("marac.list")) == 1
    assert len(audit_actions("due_action.run", row.id)) == 1
    assert queue.fetch_job("stray-duplicate").return_value()["already"] == "done"


@pytest.mark.skipif(
    BACKEND == "embedded",
    reason="SQLite serialises every writer (BEGIN IMMEDIATE): no concurrency to test; "
    "this drill runs on PostgreSQL",
)
def test_concurrent_listings_never_exceed_a_meetings_capacity(app, committed):
    capacity, cases = 3, 8
    with app.app_context():
        app.config["MARAC_CAPACITY"] = capacity
        try:
            now = utcnow()
            row_ids = []
            for _ in range(cases):
                referral = make_referral(now, marac=True)
                ids = due_action_plan.plan_for_referral(
                    referral, now=now, actor=ACTOR, settings=app_settings()
                )
                row_ids.extend(
                    db.session.scalars(
                        db.select(DueAction.id).where(
                            DueAction.id.in_(ids), DueAction.kind == "marac_listing"
                        )
                    )
                )
            db.session.commit()
        finally:
            app.config["MARAC_CAPACITY"] = 25

    barrier = threading.Barrier(len(row_ids) * 2)
    errors: list[BaseException] = []

    def run(row_id: int) -> None:
        with app.app_context():
            app.config["MARAC_CAPACITY"] = capacity
            try:
                barrier.wait()
                due_action_run.run_due_action(
                    row_id, now=utcnow(), actor=ACTOR, settings=app_settings()
                )
                db.session.commit()
            except BaseException as exc:  # collected and re-raised in the test thread
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    # Each action twice, all at once: twice the contention, and duplicates on top.
    threads = [threading.Thread(target=run, args=(i,)) for i in row_ids for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    app.config["MARAC_CAPACITY"] = 25
    assert errors == []
    with app.app_context():
        counts = dict(
            db.session.execute(
                db.select(MaracListing.meeting_id, db.func.count(MaracListing.id)).group_by(
                    MaracListing.meeting_id
                )
            ).all()
        )
        assert sum(counts.values()) == cases
        capacities = dict(
            db.session.execute(db.select(MaracMeeting.id, MaracMeeting.capacity)).all()
        )
        for meeting_id, n in counts.items():
            assert n <= capacities[meeting_id] == capacity
        assert max(counts.values()) == capacity  # the first meeting filled, then overflowed
        per_referral = db.session.execute(
            db.select(MaracListing.referral_id, db.func.count()).group_by(MaracListing.referral_id)
        ).all()
        assert all(n == 1 for _, n in per_referral)
        assert len(audit_actions("marac.list")) == cases
        assert len(audit_actions("due_action.run")) == cases


def test_an_action_whose_job_keeps_vanishing_is_given_up_and_shown(app_ctx, redis_client):
    with time_machine.travel(NOW, tick=False):
        referral, ids = planned_referral(NOW, NOW)
        enqueue(ids)
        row = actions(referral.id)["offer_escalation"]
        row.attempts = due_action_sweep.MAX_LOST_REQUEUES
        db.session.commit()
        redis_client.flushdb()
        report = due_action_sweep.sweep(NOW, settings=app_settings())
        db.session.commit()
    assert report.failed == 1
    assert report.requeued == 1  # the reminder, lost once, is simply re-enqueued
    row = actions(referral.id)["offer_escalation"]
    assert row.status == "failed"
    assert "given up" in row.last_error
    assert len(audit_actions("due_action.failed", row.id)) == 1


def test_a_job_whose_whole_worker_died_is_retried_by_the_sweep_job(app_ctx, redis_client):
    """Worker and work horse both gone (machine lost): the job sits in RQ's started registry
    until its entry expires; the sweep job runs RQ's abandoned-job handling, which retries."""
    make_user(roles=["screener", "s2s_lead"])
    with time_machine.travel(NOW, tick=False):
        referral, _ids = planned_referral(NOW - timedelta(days=2), NOW)
        row = actions(referral.id)["offer_escalation"]
        enqueue([row.id])
        queue = Queue("deadlines", connection=redis_client)
        job_id = due_action_queue.job_id_for(row.key)
        # What a worker leaves behind when it dies mid-job: taken off the queue, marked
        # started, with a started-registry entry that has since expired.
        queue.remove(job_id)
        queue.fetch_job(job_id).set_status("started")
        redis_client.zadd(f"rq:wip:{queue.name}", {f"{job_id}:lost-execution": 1})
        report = jobs.sweep()
        assert report["requeued"] == 0  # the retry is scheduled: the job is live again
        assert len(audit_actions("due_action.retry", row.id)) == 1
    with time_machine.travel(NOW + timedelta(seconds=11), tick=False):
        run_worker(redis_client)
    row = actions(referral.id)["offer_escalation"]
    assert row.status == "done"
    assert row.result["outcome"] == "escalated"
    assert len(audit_actions("due_action.run", row.id)) == 1
