"""Sign-in throttling: per IP (Flask-Limiter, in Redis) and per account (progressive delay,
capped, so an attacker can slow a real user down but never lock them out)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tests.web.test_sign_in import add_user, audit_actions, csrf_token, password_step, sign_in
from triage.extensions import limiter
from triage.services.accounts import MAX_DELAY, sign_in_delay


@pytest.fixture
def tight_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "3 per minute")
    with app.app_context():
        limiter.reset()
    yield
    with app.app_context():
        limiter.reset()


def _post(client, path, data, ip):
    token = csrf_token(client, path)
    return client.post(path, data={**data, "csrf_token": token}, environ_base={"REMOTE_ADDR": ip})


def test_sign_in_is_limited_per_ip_in_redis(app, client, tight_limit, redis_client):
    add_user(app, email="target@example.test")
    attempt = {"email": "target@example.test", "password": "wrong-password-x"}
    for _ in range(3):
        assert _post(client, "/sign-in", attempt, "203.0.113.9").status_code == 401
    blocked = _post(
        client,
        "/sign-in",
        {**attempt, "password": "correct-horse-battery-staple-42"},
        "203.0.113.9",
    )
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.text
    # The limit is kept in Redis (shared by every web process), not in one process's memory.
    assert any(b"LIMIT" in key for key in redis_client.keys("*"))
    # The real user, elsewhere, is not locked out by the attacker's address being blocked.
    elsewhere = app.test_client()
    ok = _post(
        elsewhere,
        "/sign-in",
        {"email": "target@example.test", "password": "correct-horse-battery-staple-42"},
        "198.51.100.20",
    )
    assert ok.status_code == 302


def test_code_step_is_limited_per_ip(app, client, tight_limit):
    add_user(app, email="codes@example.test")
    password_step(client, "codes@example.test")
    statuses = [
        _post(client, "/sign-in/code", {"code": "000000"}, "203.0.113.10").status_code
        for _ in range(4)
    ]
    assert statuses[-1] == 429


def test_account_delay_grows_but_is_capped():
    from types import SimpleNamespace

    from triage.timeutil import utcnow

    now = utcnow()
    user = SimpleNamespace(failed_sign_ins=5, last_failed_sign_in_at=now)
    assert sign_in_delay(user, now) == timedelta(seconds=1)
    user.failed_sign_ins = 8
    assert sign_in_delay(user, now) == timedelta(seconds=8)
    user.failed_sign_ins = 10_000
    assert sign_in_delay(user, now) == MAX_DELAY == timedelta(seconds=60)
    assert sign_in_delay(user, now + MAX_DELAY) == timedelta(0)


def test_real_user_gets_in_a_minute_after_an_attack(app, client):
    add_user(app, email="victim@example.test")
    with time_machine.travel("2026-11-25 09:00:05 +0000", tick=False) as clock:
        attacker = app.test_client()
        for _ in range(40):
            password_step(attacker, "victim@example.test", "guess-guess-guess")
        refused = password_step(client, "victim@example.test")
        assert refused.status_code == 401 and "Too many attempts" in refused.text
        clock.shift(timedelta(seconds=61))
        assert sign_in(client, "victim@example.test").status_code == 302
        assert client.get("/").status_code == 200
    with app.app_context():
        actions = audit_actions()
        assert "auth.sign_in_throttled" in actions
        assert actions[-1] == "auth.sign_in"
