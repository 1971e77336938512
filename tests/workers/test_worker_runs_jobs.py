"""A real RQ worker, on the real Redis of this back end, runs a job inside the app."""

from __future__ import annotations

from rq import Queue, SimpleWorker

from triage.extensions import db
from triage.services import system_state
from workers import jobs


def test_worker_runs_a_job_against_real_redis(app_ctx, redis_client):
    queue = Queue("default", connection=redis_client)
    job = queue.enqueue(jobs.record_worker_heartbeat)
    assert queue.count == 1
    SimpleWorker([queue], connection=redis_client).work(burst=True)
    job.refresh()
    assert job.is_finished, job.latest_result()
    row = system_state.get("worker_heartbeat")
    assert row is not None
    assert row.value["pid"] == job.return_value()["pid"]
    db.session.rollback()
