"""Intake's per-process caches are never stale across processes (issue 11 item 3).

Two gunicorn processes serve the API on one database. Both have taken referrals (so each has
parsed the active rule set and built its calendar); then a third process — this test, as
an administrator's request would — activates a new rule set version and enters a closure
day, and commits. The very next referral POSTed to EACH web process must be assessed with
the new version and get an offer deadline that skips the closure day.
"""

from __future__ import annotations

import http.client
import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.api.conftest import referral_payload
from tests.factories import make_user
from tests.services.test_rulesets import variant
from tests.settings_support import app_settings
from tests.workers.processes import PrivateRedis, stop, wait_for
from tests.workers.test_scale_out import _answers, _web
from triage.extensions import db
from triage.models import Referral
from triage.services import calendar, rulesets
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.services.tokens import create_token

NEW_VERSION = "2099.1-processes"


def _post(port: int, token: str, serial: str, received: datetime) -> dict:
    body = referral_payload(police_reference=f"MPS-PROC-{serial}")
    body["received_at"] = received.isoformat()
    body["dash_completed_on"] = received.date().isoformat()
    body["victim"] = {**body["victim"], "first_name": f"Proc{serial}"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    conn.request("POST", "/api/v1/referrals", json.dumps(body), headers)
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    assert response.status == 201, answer
    return answer


def test_an_activation_and_a_closure_day_are_seen_by_the_next_request_in_every_process(
    app, committed, tmp_path
):
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    with app.app_context():
        token = create_token(make_user(roles=["referrer"]), "processes")
        admin = Actor.for_user(make_user(roles=["admin"]))
        db.session.commit()
        old_version = rulesets.active_ruleset().version
        old_due = current_calendar(app_settings().calendar).offer_due(received)
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    processes = [_web(app, redis.url) for _ in range(2)]
    try:
        for _process, port in processes:
            wait_for(lambda port=port: _answers(port), 30, f"the web process on {port}")
        before = [_post(port, token, f"a{n}", received) for n, (_p, port) in enumerate(processes)]
        assert {answer["assessment"]["ruleset_version"] for answer in before} == {old_version}

        with app.app_context():  # another process changes both, and commits
            now = datetime.now(UTC)
            rulesets.add_ruleset(variant(NEW_VERSION), admin, activate=True, now=now)
            day = current_calendar(app_settings().calendar).local_date(old_due)
            calendar.add_closure_day(day, "Test closure", actor=admin, now=now)
            db.session.commit()

        after = [_post(port, token, f"b{n}", received) for n, (_p, port) in enumerate(processes)]
    finally:
        for process, _port in processes:
            stop(process)
        redis.stop()

    assert {answer["assessment"]["ruleset_version"] for answer in after} == {NEW_VERSION}
    with app.app_context():
        due = dict(db.session.execute(select(Referral.id, Referral.offer_due_at)).all())
    assert {due[answer["id"]] for answer in before} == {old_due}
    later = {due[answer["id"]] for answer in after}
    assert len(later) == 1 and later.pop() > old_due  # the closure day is skipped
