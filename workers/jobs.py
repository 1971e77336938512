"""RQ entry points. Each takes ids (never objects), runs in an app context, loads fresh
state, calls triage services and commits once. Enqueue options (timeouts, Retry policies,
failure callbacks) are set where the jobs are enqueued: triage/services/scheduling.py and
mail.py for due actions and e-mail, workers/schedule.py for the periodic jobs."""

from __future__ import annotations

import logging
import os
import socket
import traceback

from flask import current_app

from triage.extensions import db
from triage.services import mail, scheduling, system_state
from triage.services.actor import Actor
from triage.timeutil import utcnow
from workers.context import in_app_context

log = logging.getLogger(__name__)


@in_app_context
def record_worker_heartbeat() -> dict:
    """Proves, end to end, that a worker can take a job from Redis and write to the database."""
    value = {"host": socket.gethostname(), "pid": os.getpid()}
    system_state.put("worker_heartbeat", value)
    db.session.commit()
    return value


@in_app_context
def run_due_action(due_action_id: int) -> dict:
    now = utcnow()
    result = scheduling.run_due_action(due_action_id, now=now, actor=Actor.job("run_due_action"))
    db.session.commit()
    mail.enqueue_delivery(result.get("mail_ids", []))
    return result


def _error_text(exc_type, exc_value, tb) -> str:
    return "".join(traceback.format_exception_only(exc_type, exc_value)).strip()


def _final(job) -> bool:
    # RQ runs the failure callback before it decides on a retry: no retries left = final.
    return not (job.retries_left and job.retries_left > 0)


@in_app_context
def on_due_action_failure(job, connection, exc_type, exc_value, tb) -> None:
    """RQ failure callback: record the attempt; on the last one mark the row failed."""
    db.session.rollback()
    scheduling.record_failure(
        int(job.args[0]),
        _error_text(exc_type, exc_value, tb),
        final=_final(job),
        now=utcnow(),
        actor=Actor.job("run_due_action"),
    )
    db.session.commit()


@in_app_context
def deliver_mail(outbox_id: int) -> str:
    status = mail.deliver(outbox_id, now=utcnow(), actor=Actor.job("deliver_mail"))
    db.session.commit()
    return status


@in_app_context
def on_mail_failure(job, connection, exc_type, exc_value, tb) -> None:
    """RQ failure callback: count the attempt; on the last retry mark the message failed."""
    db.session.rollback()
    mail.record_failure(
        int(job.args[0]),
        _error_text(exc_type, exc_value, tb),
        final=_final(job),
        now=utcnow(),
        actor=Actor.job("deliver_mail"),
    )
    db.session.commit()


@in_app_context
def sweep() -> dict:
    _reap_abandoned_jobs()
    report = scheduling.sweep(utcnow())
    db.session.commit()
    return report.as_dict()


def _reap_abandoned_jobs() -> None:
    """RQ's own abandoned-job handling, once a minute rather than at workers' leisure: a job
    whose whole worker died (not just its work horse) is retried, or failed with its row,
    soon after its timeout. Runs before the sweep, whose session the failure callback shares."""
    from rq import Queue
    from rq.registry import StartedJobRegistry

    from triage.redis_conn import get_redis

    connection = get_redis()
    for name in current_app.config["RQ_QUEUES"]:
        StartedJobRegistry(queue=Queue(name, connection=connection)).cleanup()
    db.session.commit()


@in_app_context
def generate_meetings() -> dict:
    """Make sure MARAC meeting rows exist for the configured weeks ahead."""
    from triage.services import marac

    weeks = current_app.config["MARAC_SCHEDULE_WEEKS_AHEAD"]
    created = marac.ensure_meetings(now=utcnow(), weeks=weeks, actor=Actor.job("generate_meetings"))
    db.session.commit()
    return {"created": [meeting.id for meeting in created]}


@in_app_context
def write_audit_checkpoint() -> dict:
    """Periodic: sign and record the audit chain head, so truncation is detectable."""
    from triage.services.audit_checkpoint import write_checkpoint

    checkpoint = write_checkpoint(utcnow())
    db.session.commit()
    return checkpoint.as_dict()


@in_app_context
def purge_expired_records() -> dict:
    """Periodic (daily): erase referrals past retention, anonymise people in none live."""
    from triage.services.lifecycle import purge_expired

    report = purge_expired(now=utcnow(), actor=Actor.job("purge_expired_records"))
    db.session.commit()
    return report.as_dict()
