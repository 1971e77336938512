"""Issue 12 item 2: a missed scheduled job is stuck, not alive; /readyz goes red within a
minute when no RQ scheduler is alive or a due action is late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from rq import Queue
from rq.registry import ScheduledJobRegistry
from rq.scheduler import RQScheduler

from tests.settings_support import app_settings, enqueue
from tests.workers.support import actions, live_scheduler, planned_referral
from triage.extensions import db
from triage.services import due_action_sweep, scheduler_health
from triage.services.due_action_queue import job_id_for
from triage.timeutil import utcnow

QUEUES = ("deadlines", "default")


def _sweep(app, now: datetime) -> None:
    with app.app_context():
        due_action_sweep.sweep(now, settings=app_settings())
        db.session.commit()


def test_scheduled_jobs_past_the_grace_are_promoted_and_later_ones_left(app_ctx, redis_client):
    now = utcnow().replace(microsecond=0)
    queue = Queue("deadlines", connection=redis_client)
    missed = queue.enqueue_at(now - timedelta(seconds=31), "workers.jobs.sweep", job_id="missed")
    recent = queue.enqueue_at(now - timedelta(seconds=5), "workers.jobs.sweep", job_id="recent")
    future = queue.enqueue_at(now + timedelta(hours=1), "workers.jobs.sweep", job_id="future")

    assert scheduler_health.promote_overdue(redis_client, QUEUES, now) == 1

    assert queue.job_ids == [missed.id]
    assert missed.get_status(refresh=True) == "queued"
    registry = ScheduledJobRegistry(queue=queue)
    assert set(registry.get_job_ids()) == {recent.id, future.id}
    # A second pass (or a scheduler that got there first) finds nothing left to do.
    assert scheduler_health.promote_overdue(redis_client, QUEUES, now) == 0
    assert queue.job_ids == [missed.id]


def test_the_sweeper_re_enqueues_a_due_action_the_scheduler_missed(app, redis_client, committed):
    received = utcnow() - timedelta(hours=1)
    with app.app_context():
        referral, ids = planned_referral(received, utcnow())
        enqueue(ids)
        row = actions(referral.id)["offer_reminder"]
        job_id, due_at = job_id_for(row.key), row.due_at
    queue = Queue("deadlines", connection=redis_client)
    assert queue.fetch_job(job_id).get_status() == "scheduled"

    # No scheduler moved it: 31 s past its time the sweeper does, instead of counting it alive.
    _sweep(app, due_at + timedelta(seconds=29))
    assert queue.fetch_job(job_id).get_status() == "scheduled"
    _sweep(app, due_at + timedelta(seconds=31))
    assert queue.fetch_job(job_id).get_status() == "queued"
    assert job_id in queue.job_ids


def test_a_silent_schedulers_lock_is_released_and_a_live_ones_kept(redis_client):
    now = utcnow()
    live_scheduler(redis_client, name="silent")
    assert scheduler_health.scheduler_active(redis_client, QUEUES, now)
    assert scheduler_health.release_stale_locks(redis_client, QUEUES, now) == []

    later = now + scheduler_health.HEARTBEAT_STALE_AFTER + timedelta(seconds=1)
    assert not scheduler_health.scheduler_active(redis_client, QUEUES, later)
    assert sorted(scheduler_health.release_stale_locks(redis_client, QUEUES, later)) == [
        "deadlines",
        "default",
    ]
    for name in QUEUES:
        assert redis_client.get(RQScheduler.get_locking_key(name)) is None


def test_readyz_is_red_without_a_live_scheduler(app, client, redis_client):
    _sweep(app, utcnow())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["scheduler"] == "failing"

    live_scheduler(redis_client)
    assert client.get("/readyz").status_code == 200
    # The scheduler's worker is SIGKILLed: its lock lives on for a minute, its heartbeat stops.
    with time_machine.travel(
        utcnow() + scheduler_health.HEARTBEAT_STALE_AFTER + timedelta(seconds=1)
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["scheduler"] == "failing"
    assert response.json["checks"]["sweeper"] == "ok"


def test_readyz_is_red_when_a_due_action_is_late_by_more_than_the_grace(app, client, redis_client):
    received = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    with app.app_context():
        referral, _ids = planned_referral(received, received)
        due_at = actions(referral.id)["offer_reminder"].due_at
    assert app.config["DUE_ACTION_LATE_AFTER"] == timedelta(seconds=60)

    for late_by, expected in ((59, "ok"), (61, "failing")):
        with time_machine.travel(due_at + timedelta(seconds=late_by)):
            live_scheduler(redis_client)
            _sweep(app, utcnow())
            # The sweep re-enqueued it, but it has not run: still late.
            response = client.get("/readyz")
        assert response.json["checks"]["late_actions"] == expected, late_by
        assert response.status_code == (200 if expected == "ok" else 503)
