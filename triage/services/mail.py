"""E-mail through an outbox table.

`queue_message` writes a row in the caller's transaction (next to the notification it goes
with); after the commit, `enqueue_delivery` asks a worker to run `deliver`, which sends it with
smtplib to SMTP_URL. A failed send leaves the row pending with its error (RQ retries, the
sweeper re-enqueues), so a mail server that is down delays a message but never loses it.
Without SMTP_URL (development) messages stay in the outbox and show on the operations page.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.job import Callback, Job
from sqlalchemy import func, select

from triage.extensions import db
from triage.models import OutboxMessage
from triage.redis_conn import get_redis
from triage.services import audit
from triage.services.actor import Actor
from triage.settings import Settings

log = logging.getLogger(__name__)

DELIVER_JOB = "workers.jobs.deliver_mail"
_LIVE_JOB_STATUSES = {"queued", "scheduled", "started", "deferred"}


def queue_message(
    *,
    to_address: str,
    subject: str,
    body: str,
    kind: str,
    now: datetime,
    referral_id: int | None = None,
) -> OutboxMessage:
    """Add a message to the outbox. Subject and body must carry references and links only."""
    row = OutboxMessage(
        to_address=to_address,
        subject=subject,
        body=body,
        kind=kind,
        referral_id=referral_id,
        status="pending",
        attempts=0,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row


def _send(row: OutboxMessage, settings: Settings) -> None:
    url = urlsplit(settings.smtp_url)
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row.to_address
    message["Subject"] = row.subject
    message.set_content(row.body)
    smtp_class = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    port = url.port or (465 if url.scheme == "smtps" else 25)
    with smtp_class(url.hostname or "localhost", port, timeout=20) as smtp:
        if url.scheme == "smtp+starttls":
            smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(message)


def deliver(outbox_id: int, *, now: datetime, actor: Actor, settings: Settings) -> str:
    """Send one message if it is still pending. Returns the message's status afterwards.

    A send failure raises, so that RQ's Retry applies; the job's failure callback records the
    attempt with `record_failure`. The row lock stops two workers sending one message twice."""
    row = db.session.get(OutboxMessage, outbox_id, with_for_update=True)
    if row is None or row.status != "pending":
        return row.status if row else "missing"
    if not settings.smtp_configured:
        return "pending"  # development: held in the outbox, visible on the operations page
    _send(row, settings)
    row.attempts += 1
    row.status = "sent"
    row.sent_at = now
    row.last_error = None
    audit.record(
        "mail.sent",
        actor,
        object_type="mail_outbox",
        object_id=row.id,
        details={"kind": row.kind, "referral_id": row.referral_id},
        now=now,
    )
    return "sent"


def record_failure(outbox_id: int, error: str, *, final: bool, now: datetime, actor: Actor) -> None:
    """Count a failed send; after the last retry mark the message failed (still in the outbox,
    shown on the operations page, where an administrator can see it was never delivered)."""
    row = db.session.get(OutboxMessage, outbox_id, with_for_update=True)
    if row is None or row.status != "pending":
        return
    row.attempts += 1
    row.last_error = error[:500]
    if not final:
        return
    row.status = "failed"
    audit.record(
        "mail.failed",
        actor,
        object_type="mail_outbox",
        object_id=row.id,
        details={"kind": row.kind, "error": row.last_error},
        now=now,
    )


def job_id(outbox_id: int) -> str:
    return f"mail-{outbox_id}"


def enqueue_delivery(outbox_ids: Iterable[int], *, settings: Settings) -> None:
    """After commit: ask a worker to deliver. Never raises; the sweeper retries later."""
    ids = list(outbox_ids)
    if not ids or not settings.smtp_configured:
        return
    try:
        connection = get_redis()
        queue = Queue("default", connection=connection)
        for outbox_id in ids:
            existing = Job.fetch_many([job_id(outbox_id)], connection=connection)[0]
            if existing is not None:
                if existing.get_status(refresh=False) in _LIVE_JOB_STATUSES:
                    continue  # already waiting or running (or scheduled for a retry)
                existing.delete()  # an old finished/failed job of a message still pending
            queue.enqueue(
                DELIVER_JOB,
                outbox_id,
                job_id=job_id(outbox_id),
                job_timeout=60,
                retry=Retry(max=3, interval=[10, 30, 60]),
                on_failure=Callback("workers.jobs.on_mail_failure"),
                result_ttl=3600,
                failure_ttl=7 * 86400,
            )
    except (RedisError, OSError) as exc:
        log.warning("mail delivery not enqueued (%s); the sweeper will retry", type(exc).__name__)


def pending_ids(limit: int = 500) -> list[int]:
    return list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending")
            .order_by(OutboxMessage.created_at)
            .limit(limit)
        )
    )


def counts() -> dict[str, int]:
    rows = db.session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {status: n for status, n in rows}


def recent(limit: int = 20) -> list[OutboxMessage]:
    return list(
        db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit))
    )
