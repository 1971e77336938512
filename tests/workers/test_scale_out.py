"""Scaling out (issue 11): two web processes and two workers at once, on one database and one
Redis queue. Referrals POSTed to both web processes at the same time; every due action they
plan is done exactly once (one run event, one listing, one notification per recipient, one
e-mail per lead), and the audit chain is unbroken."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from tests.api.conftest import referral_payload
from tests.factories import make_user
from tests.workers.processes import PrivateRedis, start, stop, wait_for
from triage import PROJECT_ROOT
from triage.extensions import db
from triage.models import AuditEvent, DueAction, MaracListing, Notification, OutboxMessage
from triage.services import audit
from triage.services.tokens import create_token

REFERRALS = 16  # 8 per web process; half of them high risk (a MARAC listing each)
HIGH_RISK_DASH = {str(n): "yes" for n in range(1, 15)}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _web(app, redis_url: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    env = dict(
        os.environ,
        TRIAGE_ENV="development",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url,
        TRIAGE_INSTANCE_PATH=app.instance_path,
    )
    command = [sys.executable, "-m", "gunicorn", "-w", "1", "-b", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*command, "--log-level", "warning", "wsgi:app"],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
    )
    return process, port


def _answers(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/api/v1/openapi.json")
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


def _post_all(port: int, token: str, bodies: list[dict], answers: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in bodies:
        conn.request("POST", "/api/v1/referrals", json.dumps(body), headers)
        response = conn.getresponse()
        response.read()
        answers.append(response.status)
    conn.close()


def _bodies() -> list[dict]:
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(days=5)
    bodies = []
    for n in range(REFERRALS):
        body = referral_payload(police_reference=f"MPS-SCALE-{n}")
        body["received_at"] = received.isoformat()  # overdue: every action is due now
        body["dash_completed_on"] = received.date().isoformat()
        body["victim"] = {**body["victim"], "first_name": f"Scale{n}", "last_name": f"Out{n}"}
        body["perpetrator"] = {**body["perpetrator"], "last_name": f"Perp{n}"}
        if n % 2:
            body["dash"] = HIGH_RISK_DASH
        bodies.append(body)
    return bodies


def test_two_web_processes_and_two_workers_do_every_action_exactly_once(app, committed, tmp_path):
    with app.app_context():
        screener = make_user(roles=["screener"])
        lead = make_user(roles=["s2s_lead"])
        make_user(roles=["marac_coordinator"])
        referrer = make_user(roles=["referrer"])
        token = create_token(referrer, "scale-out")
        screener_id, lead_id = screener.id, lead.id
        db.session.commit()
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    processes = [_web(app, redis.url) for _ in range(2)]
    workers = [start(app, "workers", redis.url) for _ in range(2)]
    try:
        for _process, port in processes:
            wait_for(lambda port=port: _answers(port), 30, f"the web process on {port}")
        bodies = _bodies()
        answers: list[int] = []
        clients = [
            threading.Thread(target=_post_all, args=(port, token, bodies[i::2], answers))
            for i, (_process, port) in enumerate(processes)
        ]
        for client in clients:
            client.start()
        for client in clients:
            client.join()
        assert answers == [201] * REFERRALS

        def all_done() -> bool:
            with app.app_context():
                statuses = db.session.scalars(select(DueAction.status)).all()
                return len(statuses) == REFERRALS * 2 + REFERRALS // 2 and set(statuses) == {"done"}

        wait_for(all_done, 40, "both workers to do every due action")
    finally:
        for process in [*workers, *(p for p, _ in processes)]:
            stop(process)
        redis.stop()

    with app.app_context():
        rows = db.session.scalars(select(DueAction)).all()
        runs = Counter(
            db.session.scalars(
                select(AuditEvent.object_id).where(AuditEvent.action == "due_action.run")
            )
        )
        assert {str(row.id): 1 for row in rows} == dict(runs)  # each action ran once
        kinds = Counter(row.kind for row in rows)
        assert kinds == {
            "offer_reminder": REFERRALS,
            "offer_escalation": REFERRALS,
            "marac_listing": REFERRALS // 2,
        }
        listings = Counter(db.session.scalars(select(MaracListing.referral_id)))
        assert len(listings) == REFERRALS // 2 and set(listings.values()) == {1}
        notified = Counter(
            db.session.execute(
                select(Notification.referral_id, Notification.user_id, Notification.kind)
            ).all()
        )
        assert set(notified.values()) == {1}
        assert Counter((user, kind) for _ref, user, kind in notified) == {
            (screener_id, "offer_reminder"): REFERRALS,
            (lead_id, "offer_escalation"): REFERRALS,
        }
        mails = db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "offer_escalation")
        )
        assert mails == REFERRALS
        assert audit.verify_stored_chain().ok
