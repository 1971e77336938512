"""Drill: a worker's work horse is killed (SIGKILL) half-way through a listing. The
transaction dies with it; RQ retries the job; exactly one listing and one audit event."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rq import Queue, Retry
from rq.job import Callback

from tests.settings_support import app_settings
from tests.workers.support import ACTOR, audit_actions, make_referral
from triage import PROJECT_ROOT
from triage.extensions import db
from triage.models import DueAction, MaracListing
from triage.services import due_action_plan, due_action_queue
from triage.timeutil import utcnow


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_worker_killed_mid_job_gives_exactly_one_outcome(app, committed, redis_client, tmp_path):
    with app.app_context():
        now = utcnow()
        referral = make_referral(now, marac=True)
        due_action_plan.plan_for_referral(referral, now=now, actor=ACTOR, settings=app_settings())
        row = db.session.scalar(
            db.select(DueAction).where(
                DueAction.referral_id == referral.id, DueAction.kind == "marac_listing"
            )
        )
        row_id, key, referral_id = row.id, row.key, referral.id
        db.session.commit()

    marker = tmp_path / "stalled-once"
    queue = Queue("deadlines", connection=redis_client)
    queue.enqueue(
        "tests.workers.drill_jobs.run_due_action_stalling_once",
        row_id,
        str(marker),
        job_id=due_action_queue.job_id_for(key),
        job_timeout=300,
        retry=Retry(max=3, interval=1),  # production waits 10 s; the drill need not
        on_failure=Callback(due_action_queue.FAILURE_CALLBACK),
    )
    env = dict(
        os.environ,
        TRIAGE_ENV="development",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        TRIAGE_INSTANCE_PATH=app.instance_path,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "workers", "deadlines"], cwd=PROJECT_ROOT, env=env
    )
    try:
        horse_pid = int(_wait_for(lambda: marker.exists() and marker.read_text(), 60, "stall"))
        os.kill(horse_pid, signal.SIGKILL)

        def done() -> bool:
            with app.app_context():
                return db.session.get(DueAction, row_id).status == "done"

        _wait_for(done, 60, "the retry to finish the listing")
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    with app.app_context():
        listings = db.session.scalars(
            db.select(MaracListing).where(MaracListing.referral_id == referral_id)
        ).all()
        assert len(listings) == 1
        assert len(audit_actions("marac.list")) == 1
        assert len(audit_actions("due_action.run", row_id)) == 1
        assert db.session.get(DueAction, row_id).result["listing_id"] == listings[0].id
    assert Path(marker).read_text() == str(horse_pid)
