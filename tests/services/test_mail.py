"""The e-mail outbox against a real SMTP server (aiosmtpd on a local port), through a real RQ
worker: delivered once; a server that is down delays the message, never loses it."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

import pytest
from aiosmtpd.controller import Controller
from rq import Queue, SimpleWorker

from tests.settings_support import app_settings
from tests.workers.support import audit_actions
from triage.extensions import db
from triage.models import OutboxMessage
from triage.services import due_action_sweep, mail

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    yield inbox
    app.config["SMTP_URL"] = None
    controller.stop()


def _queue_one() -> int:
    row = mail.queue_message(
        to_address="lead@example.test",
        subject="Referral R000007 is overdue",
        body="Open it: http://triage.test/referrals/7",
        kind="offer_escalation",
        now=NOW,
    )
    db.session.commit()
    return row.id


def _work(redis_client) -> None:
    SimpleWorker([Queue("default", connection=redis_client)], connection=redis_client).work(
        burst=True
    )


def test_message_is_delivered_once_by_the_worker(app_ctx, redis_client, smtp_server):
    outbox_id = _queue_one()
    mail.enqueue_delivery([outbox_id], settings=app_settings())
    mail.enqueue_delivery([outbox_id], settings=app_settings())  # same job id: no second send
    _work(redis_client)
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["lead@example.test"]
    assert b"Referral R000007 is overdue" in envelope.content
    row = db.session.get(OutboxMessage, outbox_id)
    db.session.refresh(row)
    assert row.status == "sent"
    assert len(audit_actions("mail.sent", outbox_id)) == 1


def test_server_down_keeps_the_message_and_the_sweeper_sends_it_later(app, app_ctx, redis_client):
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nothing listens there
    try:
        outbox_id = _queue_one()
        mail.enqueue_delivery([outbox_id], settings=app_settings())
        _work(redis_client)  # first attempt fails; RQ schedules the retry
        row = db.session.get(OutboxMessage, outbox_id)
        db.session.refresh(row)
        assert row.status == "pending"
        assert row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error
    finally:
        app.config["SMTP_URL"] = None
    redis_client.flushdb()  # and the retry timer is lost too

    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    try:
        report = due_action_sweep.sweep(NOW, settings=app_settings())
        db.session.commit()
        assert report.mail_enqueued == 1
        _work(redis_client)
    finally:
        app.config["SMTP_URL"] = None
        controller.stop()
    assert len(inbox.messages) == 1
    db.session.refresh(row)
    assert row.status == "sent"


def test_without_a_mail_server_messages_stay_in_the_outbox(app_ctx, redis_client):
    outbox_id = _queue_one()
    mail.enqueue_delivery([outbox_id], settings=app_settings())
    assert Queue("default", connection=redis_client).count == 0
    assert mail.counts() == {"pending": 1}
    assert [m.id for m in mail.recent()] == [outbox_id]
