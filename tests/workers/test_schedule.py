"""The periodic jobs are data with stable ids, and the cron scheduler enqueues them."""

from __future__ import annotations

from rq import Queue, SimpleWorker
from rq.cron import CronScheduler

from triage.devserver import child_commands
from triage.extensions import db
from triage.services import due_action_sweep
from workers.schedule import PERIODIC_JOBS, register_all


def test_periodic_jobs_have_stable_unique_ids_and_timeouts():
    ids = [job.id for job in PERIODIC_JOBS]
    assert len(ids) == len(set(ids))
    assert {"sweep-due-actions", "generate-marac-meetings", "worker-heartbeat"} <= set(ids)
    assert all(job.timeout > 0 for job in PERIODIC_JOBS)
    assert all(bool(job.interval) != bool(job.cron) for job in PERIODIC_JOBS)
    sweep = next(job for job in PERIODIC_JOBS if job.id == "sweep-due-actions")
    assert sweep.interval == 60


def test_cron_scheduler_enqueues_the_sweeper_and_a_worker_runs_it(app_ctx, redis_client):
    scheduler = CronScheduler(connection=redis_client, name="test-cron")
    register_all(scheduler)
    enqueued = scheduler.enqueue_jobs()  # interval jobs run at once on start
    assert {"sweep-due-actions", "worker-heartbeat"} <= {job.name for job in enqueued}
    queues = [Queue(n, connection=redis_client) for n in ("deadlines", "default")]
    SimpleWorker(queues, connection=redis_client).work(burst=True)
    beat = due_action_sweep.last_sweep()
    assert beat is not None and beat["redis_error"] is None
    db.session.rollback()


def _registered(scheduler: CronScheduler) -> dict:
    keys = ("func_name", "queue_name", "interval", "cron", "job_options")
    return {job.name: {k: getattr(job, k) for k in keys} for job in scheduler.get_jobs()}


def test_rq_cron_config_registers_the_same_jobs_as_the_app_cron(redis_client):
    """`rq cron workers.cron_config` and `python -m workers.cron` must not drift apart."""
    ours = CronScheduler(connection=redis_client, name="test-cron-app")
    register_all(ours)
    theirs = CronScheduler(connection=redis_client, name="test-cron-rq-cli")
    theirs.load_config_from_file("workers.cron_config")
    assert _registered(theirs) == _registered(ours)
    assert set(_registered(ours)) == {job.id for job in PERIODIC_JOBS}


def test_make_run_starts_the_cron_process():
    assert child_commands("127.0.0.1", 5000)["cron"][-2:] == ["-m", "workers.cron"]
