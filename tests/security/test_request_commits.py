"""What a refused or timed-out request records is committed by that request's one commit (the
request boundary, triage.web.transaction), and by no other: the data is really committed here
(the `committed` fixture), and every COMMIT the engine sends is counted and named by the code
that asked for it."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pyotp
import pytest
import time_machine
from sqlalchemy import event, func, select

import triage
from tests.factories import TEST_PASSWORD, make_user
from tests.web.test_sign_in import (
    TEST_TOTP_SECRET,
    add_user,
    csrf_token,
    password_step,
    sign_in,
)
from triage.extensions import db
from triage.models import AuditEvent, AuthSession, User
from triage.services.accounts import FREE_FAILURES

T0 = "2026-11-25T09:00:00+00:00"
TRIAGE = Path(triage.__file__).resolve().parent
BOUNDARY = "triage/web/transaction.py:commit_request"

pytestmark = pytest.mark.usefixtures("committed")


def _committer() -> str:
    """The innermost frame of the app's own code on the stack: who asked for this COMMIT."""
    for frame in reversed(traceback.extract_stack()):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(TRIAGE):
            return f"{path.relative_to(TRIAGE.parent).as_posix()}:{frame.name}"
    return "outside the app"


@contextmanager
def counting_commits(app) -> Iterator[list[str]]:
    """Every COMMIT sent to the database while the block runs, named by who sent it."""
    seen: list[str] = []

    def _count(_connection) -> None:
        seen.append(_committer())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", _count)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", _count)


def _committed(app, action: str) -> int:
    """How many events of `action` a fresh session reads back (so: committed ones)."""
    with app.app_context():
        db.session.remove()
        return db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == action)
        )


def _failures(app, user_id: int) -> int:
    with app.app_context():
        db.session.remove()
        return db.session.get(User, user_id).failed_sign_ins


def test_a_wrong_password_is_recorded_by_the_requests_one_commit(app, client):
    user_id = add_user(app, email="wrong@example.test")
    token = csrf_token(client)
    data = {
        "email": "wrong@example.test",
        "password": "not-the-password-at-all",
        "csrf_token": token,
    }
    with counting_commits(app) as commits:
        response = client.post("/sign-in", data=data)
    assert response.status_code == 401
    assert commits == [BOUNDARY]
    assert _committed(app, "auth.sign_in_failed") == 1
    assert _failures(app, user_id) == 1


def test_a_throttled_sign_in_is_recorded_by_the_requests_one_commit(app, client):
    add_user(
        app,
        email="throttled@example.test",
        failed_sign_ins=FREE_FAILURES + 1,
        last_failed_sign_in_at=datetime.fromisoformat(T0),
    )
    with time_machine.travel(T0, tick=False):
        token = csrf_token(client)
        data = {
            "email": "throttled@example.test",
            "password": "whatever-it-is",
            "csrf_token": token,
        }
        with counting_commits(app) as commits:
            response = client.post("/sign-in", data=data)
    assert response.status_code == 401 and "Too many attempts" in response.text
    assert commits == [BOUNDARY]
    assert _committed(app, "auth.sign_in_throttled") == 1


def test_a_wrong_code_is_recorded_by_the_requests_one_commit(app, client):
    user_id = add_user(app, email="code@example.test")
    with time_machine.travel(T0, tick=False):
        assert password_step(client, "code@example.test").status_code == 302
        token = csrf_token(client, "/sign-in/code")
        with counting_commits(app) as commits:
            response = client.post("/sign-in/code", data={"code": "000000", "csrf_token": token})
    assert response.status_code == 401
    assert commits == [BOUNDARY]
    assert _committed(app, "mfa.failure") == 1
    assert _failures(app, user_id) == 1


def test_a_session_time_out_is_recorded_by_the_requests_one_commit(app, client):
    add_user(app, email="idle-commit@example.test")
    with time_machine.travel(T0, tick=False) as clock:
        assert sign_in(client, "idle-commit@example.test").status_code == 302
        clock.shift(app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1))
        with counting_commits(app) as commits:
            response = client.get("/")
    assert response.status_code == 302
    assert commits == [BOUNDARY]
    with app.app_context():
        db.session.remove()
        row = db.session.scalar(select(AuthSession).order_by(AuthSession.id.desc()))
        assert row.end_reason == "idle_timeout" and row.ended_at is not None


def _post_counting(app, client, path: str, data: dict, form_page: str) -> tuple[int, int]:
    """POST a form (its CSRF token fetched first); (status, who sent the POST's COMMITs)."""
    token = csrf_token(client, form_page)
    with counting_commits(app) as commits:
        response = client.post(path, data={**data, "csrf_token": token})
    return response.status_code, commits


def test_each_sign_in_step_and_the_sign_out_commit_once(app, client):
    add_user(app, email="steps@example.test")
    with time_machine.travel(T0, tick=False):
        password = {"email": "steps@example.test", "password": TEST_PASSWORD}
        assert _post_counting(app, client, "/sign-in", password, "/sign-in") == (302, [BOUNDARY])
        code = {"code": pyotp.TOTP(TEST_TOTP_SECRET).now()}
        assert _post_counting(app, client, "/sign-in/code", code, "/sign-in/code") == (
            302,
            [BOUNDARY],
        )
        assert _post_counting(app, client, "/sign-out", {}, "/account") == (302, [BOUNDARY])
    assert [_committed(app, a) for a in ("auth.password_ok", "auth.sign_in", "auth.sign_out")] == [
        1,
        1,
        1,
    ]
    with app.app_context():
        db.session.remove()
        ended = db.session.scalars(select(AuthSession.end_reason).order_by(AuthSession.id))
        assert list(ended) == ["mfa_passed", "sign_out"]


def _last_seen(app) -> datetime:
    with app.app_context():
        db.session.remove()
        return db.session.scalar(
            select(AuthSession.last_seen_at).order_by(AuthSession.id.desc()).limit(1)
        )


@pytest.mark.parametrize(("path", "status"), [("/admin/users", 403), ("/admin/users/999999", 404)])
def test_a_refused_request_still_counts_as_activity(app, client, path, status):
    """The refusal undoes the request's work, not its sign-in check: the session touch is kept
    with the refusal's audit event, in the same one commit."""
    add_user(app, roles=["admin"] if status == 404 else ["referrer"], email="refused@example.test")
    with time_machine.travel(T0, tick=False) as clock:
        assert sign_in(client, "refused@example.test").status_code == 302
        clock.shift(timedelta(minutes=5))
        with counting_commits(app) as commits:
            refused = client.get(path)
        assert refused.status_code == status and commits == [BOUNDARY]
        assert _last_seen(app) == datetime.fromisoformat(T0) + timedelta(minutes=5)
    assert _committed(app, "access.denied") == 1


def test_a_refused_api_call_still_records_the_tokens_last_use(app):
    from triage.models import ApiToken
    from triage.services.tokens import create_token

    with app.app_context():
        token = create_token(make_user(roles=["referrer"]), "refused")
        db.session.commit()
    with time_machine.travel(T0, tick=False):
        with counting_commits(app) as commits:
            refused = app.test_client().get(
                "/api/v1/referrals/999999", headers={"Authorization": f"Bearer {token}"}
            )
        assert refused.status_code == 404 and commits == [BOUNDARY]
    with app.app_context():
        db.session.remove()
        used = db.session.scalar(select(ApiToken.last_used_at))
    assert used == datetime.fromisoformat(T0)
