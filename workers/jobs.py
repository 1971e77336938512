"""RQ entry points. Each takes ids (never objects), runs in an app context, loads fresh
state and calls triage services inside `job_transaction`, the job boundary that commits once
and then runs the after-commit steps. Enqueue options (timeouts, Retry policies, failure
callbacks) are set where the jobs are enqueued: triage/services/due_action_queue.py and
mail.py for due actions and e-mail, workers/schedule.py for the periodic jobs."""

from __future__ import annotations

import os
import socket
import traceback

from triage.extensions import db
from triage.services import (
    audit_checkpoint,
    due_action_run,
    due_action_sweep,
    lifecycle,
    mail,
    marac_meetings,
    system_state,
)
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from workers.context import in_app_context, job_transaction


@in_app_context
def record_worker_heartbeat() -> dict:
    """Proves, end to end, that a worker can take a job from Redis and write to the database."""
    value = {"host": socket.gethostname(), "pid": os.getpid()}
    with job_transaction() as job:
        system_state.put("worker_heartbeat", value, now=job.now)
    return value


@in_app_context
def run_due_action(due_action_id: int) -> dict:
    with job_transaction() as job:
        result = due_action_run.run_due_action(
            due_action_id, now=job.now, actor=Actor.job("run_due_action"), settings=job.settings
        )
        mail_ids = result.get("mail_ids", [])
        job.after_commit(lambda: mail.enqueue_delivery(mail_ids, settings=job.settings))
    return result


def _error_text(exc_type, exc_value) -> str:
    return "".join(traceback.format_exception_only(exc_type, exc_value)).strip()


def _final(job) -> bool:
    # RQ runs the failure callback before it decides on a retry: no retries left = final.
    return not (job.retries_left and job.retries_left > 0)


def _record_failure(record, job, exc_type, exc_value, actor: str) -> None:
    """Record a failed attempt with `record` (the service's record_failure) in a job of its
    own: whatever the failed attempt left in this session is not ours, so it goes first."""
    db.session.rollback()
    with job_transaction() as run:
        record(
            int(job.args[0]),
            _error_text(exc_type, exc_value),
            final=_final(job),
            now=run.now,
            actor=Actor.job(actor),
        )


@in_app_context
def on_due_action_failure(job, connection, exc_type, exc_value, tb) -> None:
    """RQ failure callback: record the attempt; on the last one mark the row failed."""
    _record_failure(due_action_run.record_failure, job, exc_type, exc_value, "run_due_action")


@in_app_context
def deliver_mail(outbox_id: int) -> str:
    with job_transaction() as job:
        return mail.deliver(
            outbox_id, now=job.now, actor=Actor.job("deliver_mail"), settings=job.settings
        )


@in_app_context
def on_mail_failure(job, connection, exc_type, exc_value, tb) -> None:
    """RQ failure callback: count the attempt; on the last retry mark the message failed."""
    _record_failure(mail.record_failure, job, exc_type, exc_value, "deliver_mail")


@in_app_context
def sweep() -> dict:
    with job_transaction() as job:
        # Its own unit of work, before the sweep, whose session the failure callback shares.
        _reap_abandoned_jobs(job.settings.rq_queues)
    with job_transaction() as job:
        report = due_action_sweep.sweep(job.now, settings=job.settings)
    return report.as_dict()


def _reap_abandoned_jobs(queue_names: tuple[str, ...]) -> None:
    """RQ's own abandoned-job handling, once a minute rather than at workers' leisure: a job
    whose whole worker died (not just its work horse) is retried, or failed with its row,
    soon after its timeout."""
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from triage.redis_conn import get_redis

    connection = get_redis()
    for name in queue_names:
        StartedJobRegistry(queue=Queue(name, connection=connection)).cleanup()


@in_app_context
def generate_meetings() -> dict:
    """Make sure MARAC meeting rows exist for the configured weeks ahead."""
    with job_transaction() as job:
        created = marac_meetings.ensure_meetings(
            now=job.now,
            weeks=job.settings.marac.weeks_ahead,
            actor=Actor.job("generate_meetings"),
            settings=job.settings.marac,
            calendar=current_calendar(job.settings.calendar),
        )
        return {"created": [meeting.id for meeting in created]}


@in_app_context
def write_audit_checkpoint() -> dict:
    """Periodic: sign and record the audit chain head, so truncation is detectable."""
    with job_transaction() as job:
        checkpoint = audit_checkpoint.write_checkpoint(job.now, settings=job.settings)
    return checkpoint.as_dict()


@in_app_context
def purge_expired_records() -> dict:
    """Periodic (daily): erase referrals past retention, anonymise people in none live."""
    with job_transaction() as job:
        report = lifecycle.purge_expired(now=job.now, actor=Actor.job("purge_expired_records"))
    return report.as_dict()
