"""Drills for issue 12 item 2, with real processes: Redis stopped and started under a running
worker and cron process, and a worker SIGKILLed (with its scheduler and work horse) and
restarted. Both keep every deadline: each action runs exactly once, within 2 minutes of its
due time (in practice within ~20 s; the drills are as short as that allows)."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta

from flask import Flask

from config import TestConfig
from tests.settings_support import enqueue
from tests.workers import processes
from tests.workers.processes import PrivateRedis, wait_for
from tests.workers.support import audit_actions, make_referral
from triage import create_app
from triage.extensions import db
from triage.models import DueAction
from triage.redis_conn import get_redis
from triage.services import due_action_sweep, scheduler_health
from triage.services.due_action_plan import due_action_key
from triage.timeutil import utcnow

QUEUES = ("deadlines", "default")
KEPT_WITHIN = timedelta(minutes=2)


def _drill_app(app: Flask, redis_url: str) -> Flask:
    """The test database with the drill's Redis, for planning and enqueueing as a view would."""
    return create_app(
        TestConfig, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], REDIS_URL=redis_url
    )


def _close(drill: Flask) -> None:
    with drill.app_context():
        db.session.remove()
        db.engine.dispose()
    get_redis(drill).close()


def _plan(drill: Flask, *seconds_ahead: float) -> list[int]:
    """Due actions at these offsets from now, committed and handed to Redis."""
    with drill.app_context():
        now = utcnow()
        ids = []
        for seconds in seconds_ahead:
            referral = make_referral(now)
            due_at = now + timedelta(seconds=seconds)
            referral.offer_due_at = due_at + timedelta(hours=2)  # a reminder, then
            row = DueAction(
                kind="offer_reminder",
                referral_id=referral.id,
                due_at=due_at,
                key=due_action_key(referral.id, "offer_reminder", due_at),
                status="pending",
                attempts=0,
                created_at=now,
            )
            db.session.add(row)
            db.session.flush()
            ids.append(row.id)
        db.session.commit()
        enqueue(ids)
        return ids


def _all_done(app: Flask, ids: list[int]) -> bool:
    with app.app_context():
        statuses = db.session.scalars(db.select(DueAction.status).where(DueAction.id.in_(ids)))
        done = list(statuses) == ["done"] * len(ids)
        db.session.remove()
        return done


def _assert_each_ran_once_in_time(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        for row_id in ids:
            row = db.session.get(DueAction, row_id)
            assert row.status == "done"
            assert timedelta(0) <= row.done_at - row.due_at <= KEPT_WITHIN, row.done_at - row.due_at
            assert len(audit_actions("due_action.run", row_id)) == 1


def _swept(app: Flask) -> bool:
    with app.app_context():
        swept = due_action_sweep.last_sweep() is not None
        db.session.remove()
        return swept


def _scheduler_active(connection) -> bool:
    return scheduler_health.scheduler_active(connection, QUEUES, utcnow())


def test_redis_stopped_and_started_under_the_worker_and_cron(app, committed, tmp_path):
    redis = PrivateRedis(tmp_path / "drill-redis")
    redis.start()
    drill = _drill_app(app, redis.url)
    worker = processes.start(app, "workers", redis.url)
    cron = processes.start(app, "workers.cron", redis.url)
    connection = redis.client()
    try:
        wait_for(lambda: _scheduler_active(connection), 30, "the worker's scheduler")
        wait_for(lambda: _swept(app), 30, "cron's first sweep")
        lost = _plan(drill, 4, 6)  # scheduled in Redis, then Redis goes away with them
        redis.stop()
        time.sleep(7)  # longer than cron's 5 s wake-up, so both processes see the outage
        assert worker.poll() is None and cron.poll() is None, "a process exited on the outage"
        redis.start()  # empty: every job is gone; the rows still say `enqueued`
        fresh = _plan(drill, 3)  # needs the worker's scheduler running again
        wait_for(lambda: _all_done(app, lost + fresh), 90, "every action to run")
        assert worker.poll() is None and cron.poll() is None
    finally:
        for process in (worker, cron):
            processes.stop(process)
        connection.close()
        _close(drill)
        redis.stop()
    _assert_each_ran_once_in_time(app, lost + fresh)


def test_a_worker_killed_and_restarted_takes_the_scheduler_back_within_seconds(
    app, committed, redis_client
):
    """The finding: a worker restarted after SIGKILL ran without the scheduler lock for up to
    10 minutes, while the dead scheduler's lock lived on. Now the restarted worker frees the
    silent holder's lock and takes it, and /readyz's scheduler check is red in between."""
    redis_url = app.config["REDIS_URL"]  # the suite's own Redis
    drill = _drill_app(app, redis_url)
    first = processes.start(app, "workers", redis_url)
    second = None
    try:
        wait_for(lambda: _scheduler_active(redis_client), 30, "the first worker's scheduler")
        ids = _plan(drill, 3, 8)  # both fall due while no scheduler is alive
        os.killpg(first.pid, signal.SIGKILL)  # worker, scheduler and horse, as systemd would
        first.wait()
        second = processes.start(app, "workers", redis_url)
        wait_for(lambda: not _scheduler_active(redis_client), 30, "readiness to see no scheduler")
        wait_for(lambda: _all_done(app, ids), 90, "the restarted worker to run them")
        assert _scheduler_active(redis_client)
    finally:
        processes.stop(first)
        if second is not None:
            processes.stop(second)
        _close(drill)
    _assert_each_ran_once_in_time(app, ids)
