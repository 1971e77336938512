"""Signing in and out through the real forms (password, then TOTP code), with CSRF on."""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from sqlalchemy import func, select

from tests.factories import TEST_PASSWORD, make_user
from triage.extensions import db
from triage.models import AuditEvent, AuthSession


def csrf_token(client, path="/sign-in") -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page.text
    )
    assert match, "form has no CSRF token"
    return match.group(1)


# Users made by add_user() are enrolled with this authenticator secret (tests only).
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def password_step(client, email, password=TEST_PASSWORD, next_url=None):
    token = csrf_token(client)
    path = "/sign-in" + (f"?next={next_url}" if next_url else "")
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


def code_step(client, code=None, secret=TEST_TOTP_SECRET):
    token = csrf_token(client, "/sign-in/code")
    code = code or pyotp.TOTP(secret).now()
    return client.post("/sign-in/code", data={"code": code, "csrf_token": token})


def sign_in(client, email, password=TEST_PASSWORD, next_url=None):
    """Both steps; the response of the last step that ran (the password step if it failed)."""
    response = password_step(client, email, password, next_url)
    if response.status_code != 302 or response.headers["Location"] != "/sign-in/code":
        return response
    return code_step(client)


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def add_user(app, **fields) -> int:
    """Create a user in its own app context: holding one open across requests would make
    the test client share `g` (and its cached CSRF token) between requests."""
    fields.setdefault("totp_secret", TEST_TOTP_SECRET)
    with app.app_context():
        user = make_user(**fields)
        db.session.commit()
        return user.id


def test_home_redirects_to_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_sign_in_and_out(app, client):
    user_id = add_user(app, roles=["screener"], email="sam@example.test")
    response = sign_in(client, "SAM@example.test")
    assert response.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Sign out" in home.text
    assert home.headers["Cache-Control"] == "no-store"

    token = csrf_token(client, "/")
    signed_out = client.post("/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 302
    assert signed_out.headers["Clear-Site-Data"] == '"cache", "storage"'
    assert client.get("/").status_code == 302
    with app.app_context():
        rows = db.session.scalars(
            select(AuthSession).where(AuthSession.user_id == user_id).order_by(AuthSession.id)
        ).all()
        # The password-only session is replaced by a new one once the code is accepted.
        assert [(r.mfa_passed, r.end_reason) for r in rows] == [
            (False, "mfa_passed"),
            (True, "sign_out"),
        ]
        assert audit_actions()[-4:] == [
            "auth.password_ok",
            "mfa.success",
            "auth.sign_in",
            "auth.sign_out",
        ]


def test_signed_out_cookie_cannot_be_replayed(app, client):
    add_user(app, roles=["idva"], email="isla@example.test")
    sign_in(client, "isla@example.test")
    with client.session_transaction() as sess:
        stolen = dict(sess)
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    with client.session_transaction() as sess:
        sess.update(stolen)  # the old signed cookie, presented again
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_audited(app, client):
    from triage.models import User

    user_id = add_user(app, email="rob@example.test")
    response = sign_in(client, "rob@example.test", "not-the-password")
    assert response.status_code == 401
    assert "Enter a correct e-mail address and password" in response.text
    assert 'value="rob@example.test"' in response.text  # what they typed is kept
    with app.app_context():
        assert db.session.get(User, user_id).failed_sign_ins == 1
        assert audit_actions()[-1] == "auth.sign_in_failed"


def test_unknown_account_gives_the_same_answer(client):
    response = sign_in(client, "nobody@example.test", "whatever-password")
    assert response.status_code == 401
    assert "Enter a correct e-mail address and password" in response.text


def test_missing_fields_are_listed_in_an_error_summary(client):
    response = client.post(
        "/sign-in", data={"email": "", "password": "", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert 'href="#email"' in response.text
    assert "Enter your password" in response.text


def test_missing_csrf_token_is_rejected(app, client):
    add_user(app, email="csrf@example.test")
    response = client.post(
        "/sign-in", data={"email": "csrf@example.test", "password": TEST_PASSWORD}
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(func.count(AuthSession.id))) == 0


@pytest.mark.parametrize(
    "target,expected",
    [("/?x=1", "/?x=1"), ("https://evil.example/", "/"), ("//evil.example", "/"), ("/\\evil", "/")],
)
def test_next_only_goes_to_this_site(app, client, target, expected):
    add_user(app, email="next@example.test")
    response = sign_in(client, "next@example.test", next_url=target)
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_idle_session_expires_on_the_server(app, client):
    add_user(app, email="idle@example.test")
    with time_machine.travel("2026-11-25 09:00 +0000", tick=False) as clock:
        sign_in(client, "idle@example.test")
        assert client.get("/").status_code == 200
        clock.shift(app.config["SESSION_IDLE_TIMEOUT"] - timedelta(minutes=1))
        assert client.get("/").status_code == 200  # activity keeps it alive
        clock.shift(app.config["SESSION_IDLE_TIMEOUT"] + timedelta(minutes=1))
        assert client.get("/").status_code == 302
    with app.app_context():
        row = db.session.scalar(select(AuthSession).order_by(AuthSession.id.desc()))
        assert row.end_reason == "idle_timeout"


def test_absolute_session_limit(app, client):
    add_user(app, email="long@example.test")
    with time_machine.travel("2026-11-25 08:00 +0000", tick=False) as clock:
        sign_in(client, "long@example.test")
        for _ in range(25):  # active every 29 minutes for over 12 hours
            clock.shift(timedelta(minutes=29))
            response = client.get("/")
        assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(AuthSession).order_by(AuthSession.id.desc()))
        assert row.end_reason == "absolute_timeout"


def test_disabled_account_is_signed_out(app, client):
    from triage.models import User

    user_id = add_user(app, email="gone@example.test")
    sign_in(client, "gone@example.test")
    assert client.get("/").status_code == 200
    with app.app_context():
        db.session.get(User, user_id).active = False
        db.session.commit()
    assert client.get("/").status_code == 302
