"""Server-side sessions: new ids at each step, ended by password, role and status changes,
idle warning without counting as activity, and the cookie flags in production."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import TEST_PASSWORD
from tests.settings_support import app_settings
from tests.web.test_sign_in import add_user, audit_actions, csrf_token, password_step, sign_in
from triage.extensions import db
from triage.models import AuthSession, User
from triage.timeutil import utcnow

NEW_PASSWORD = "purple-lantern-orchard-river"


def _sid(client) -> str | None:
    with client.session_transaction() as sess:
        return sess.get("sid")


def test_session_id_changes_at_each_sign_in_step(app, client):
    add_user(app, email="fix@example.test")
    with client.session_transaction() as sess:
        sess["sid"] = "attacker-chosen-value"  # fixation attempt
    password_step(client, "fix@example.test")
    after_password = _sid(client)
    assert after_password not in (None, "attacker-chosen-value")
    from tests.web.test_sign_in import code_step

    code_step(client)
    assert _sid(client) not in (None, after_password)
    assert client.get("/").status_code == 200


def _other_device(app, email):
    other = app.test_client()
    assert sign_in(other, email).status_code == 302
    assert other.get("/").status_code == 200
    return other


def test_password_change_ends_every_other_session(app, client):
    user_id = add_user(app, roles=["idva"], email="pw@example.test")
    with time_machine.travel("2026-11-25 12:00:01 +0000", tick=False) as clock:
        assert sign_in(client, "pw@example.test").status_code == 302
        clock.shift(timedelta(seconds=30))  # the next code: each code signs in once only
        other = _other_device(app, "pw@example.test")
        _change_password_and_check(app, client, other, user_id)


def _change_password_and_check(app, client, other, user_id):
    form = {
        "current_password": TEST_PASSWORD,
        "new_password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD,
        "csrf_token": csrf_token(client, "/account/password"),
    }
    response = client.post("/account/password", data=form)
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this session stays
    assert other.get("/").status_code == 302  # the other one has ended
    with app.app_context():
        reasons = db.session.scalars(
            select(AuthSession.end_reason).where(AuthSession.user_id == user_id)
        ).all()
        assert reasons.count("password_change") == 1
        assert "user.password_change" in audit_actions()
    assert password_step(app.test_client(), "pw@example.test").status_code == 401
    assert password_step(app.test_client(), "pw@example.test", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "current,new,confirm,message",
    [
        ("wrong-password-here", NEW_PASSWORD, NEW_PASSWORD, "current password is not correct"),
        (TEST_PASSWORD, "short-one", "short-one", "at least 12 characters"),
        (TEST_PASSWORD, "password1234", "password1234", "too common"),
        (TEST_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "do not match"),
        (TEST_PASSWORD, TEST_PASSWORD, TEST_PASSWORD, "must be different"),
    ],
)
def test_bad_password_change_changes_nothing(app, client, login_as, current, new, confirm, message):
    user = login_as("referrer")
    with app.app_context():
        before = db.session.get(User, user.id).password_hash
    response = client.post(
        "/account/password",
        data={
            "current_password": current,
            "new_password": new,
            "confirm_password": confirm,
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    assert response.status_code == 400
    assert message in response.text
    assert "There is a problem" in response.text
    with app.app_context():
        assert db.session.get(User, user.id).password_hash == before


def test_role_change_ends_the_users_sessions(app, client, login_as):
    target_id = add_user(app, roles=["referrer"], email="promote@example.test")
    other = _other_device(app, "promote@example.test")
    login_as("admin")
    response = client.post(
        f"/admin/users/{target_id}/roles",
        data={"roles": ["idva", "referrer"], "csrf_token": csrf_token(client, "/admin/users")},
    )
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, target_id).roles == {"idva", "referrer"}
        row = db.session.scalar(
            select(AuthSession).where(AuthSession.user_id == target_id, AuthSession.mfa_passed)
        )
        assert row.end_reason == "role_change"
        assert "user.roles_change" in audit_actions()


def test_unknown_role_is_refused(app, client, login_as):
    target_id = add_user(app, roles=["referrer"], email="bad-role@example.test")
    login_as("admin")
    response = client.post(
        f"/admin/users/{target_id}/roles",
        data={"roles": ["superuser"], "csrf_token": csrf_token(client, "/admin/users")},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, target_id).roles == {"referrer"}


def test_disabling_an_account_ends_its_sessions_and_sign_in(app, client, login_as):
    target_id = add_user(app, roles=["idva"], email="leaver@example.test")
    other = _other_device(app, "leaver@example.test")
    login_as("admin")
    token = csrf_token(client, f"/admin/users/{target_id}")
    response = client.post(
        f"/admin/users/{target_id}/status", data={"reason": "left", "csrf_token": token}
    )
    assert response.status_code == 302
    assert other.get("/").status_code == 302
    assert password_step(app.test_client(), "leaver@example.test").status_code == 401
    with app.app_context():
        assert db.session.get(User, target_id).active is False
        assert "user.disable" in audit_actions()
    client.post(f"/admin/users/{target_id}/status", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(User, target_id).active is True
        assert audit_actions()[-1] == "user.enable"


def test_admin_cannot_remove_their_own_admin_role(app, client, login_as):
    admin = login_as("admin")
    response = client.post(
        f"/admin/users/{admin.id}/roles",
        data={"roles": ["manager"], "csrf_token": csrf_token(client, "/admin/users")},
    )
    assert response.status_code == 400
    assert "cannot remove your own administrator role" in response.text
    with app.app_context():
        assert db.session.get(User, admin.id).roles == {"admin"}


def test_admin_cannot_disable_themselves(app, client, login_as):
    admin = login_as("admin")
    token = csrf_token(client, f"/admin/users/{admin.id}")
    response = client.post(f"/admin/users/{admin.id}/status", data={"csrf_token": token})
    assert response.status_code == 400
    assert "cannot disable your own account" in response.text
    assert client.get("/").status_code == 200


def test_admin_creates_a_user_with_the_password_policy(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/users/new")
    weak = client.post(
        "/admin/users/new",
        data={
            "email": "new.person@example.test",
            "name": "New Person",
            "roles": ["idva"],
            "password": "short",
            "csrf_token": token,
        },
    )
    assert weak.status_code == 400
    assert "at least 12 characters" in weak.text
    made = client.post(
        "/admin/users/new",
        data={
            "email": "new.person@example.test",
            "name": "New Person",
            "roles": ["idva"],
            "password": NEW_PASSWORD,
            "is_admin": "y",  # not a field: ignored
            "csrf_token": token,
        },
    )
    assert made.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new.person@example.test"))
        assert user.roles == {"idva"}
        assert user.totp_secret is None  # enrols at first sign-in
    assert (
        password_step(app.test_client(), "new.person@example.test", NEW_PASSWORD).headers[
            "Location"
        ]
        == "/sign-in/set-up"
    )


def test_idle_warning_status_does_not_count_as_activity(app, client):
    add_user(app, email="warn@example.test")
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    with time_machine.travel("2026-11-25 09:00:10 +0000", tick=False) as clock:
        sign_in(client, "warn@example.test")
        page = client.get("/")
        assert 'src="/static/js/session-timeout.mjs"' in page.text
        assert client.get("/session/status").json == {"seconds_left": int(idle.total_seconds())}
        clock.shift(idle - timedelta(minutes=2))
        assert client.get("/session/status").json == {"seconds_left": 120}
        clock.shift(timedelta(minutes=1))
        assert client.get("/session/status").json == {"seconds_left": 60}  # not extended
        token = csrf_token(client, "/account")
        clock.shift(timedelta(seconds=30))
        # (reading the page for the token was activity; the keep-alive itself must be too)
        kept = client.post("/session/keep-alive", headers={"X-CSRFToken": token})
        assert kept.json == {"seconds_left": int(idle.total_seconds())}
        assert client.post("/session/keep-alive").status_code == 400  # no CSRF token
        clock.shift(idle + timedelta(seconds=1))
        assert client.get("/session/status").status_code == 302


def test_session_timeout_script_is_a_module_file(client):
    with client.get("/static/js/session-timeout.mjs") as response:
        assert response.status_code == 200
        assert "/session/keep-alive" in response.text
        assert "innerHTML" not in response.text and "eval(" not in response.text


def _production_app(app, monkeypatch):
    from triage import create_app

    monkeypatch.setenv("SECRET_KEY", "p" * 48)
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", app.config["TOTP_ENCRYPTION_KEY"])
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    return create_app("production")


def test_production_cookie_and_transport_headers(app, monkeypatch):
    production = _production_app(app, monkeypatch)
    try:
        response = production.test_client().get("/sign-in")
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-triage_session=")
        for flag in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
            assert flag in cookie
        assert "Domain=" not in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        with production.app_context():
            db.engine.dispose()


def test_development_cookie_flags(client):
    cookie = client.get("/sign-in").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_demo_codes_are_refused_in_production(app, monkeypatch):
    production = _production_app(app, monkeypatch)
    try:
        result = production.test_cli_runner().invoke(
            args=["triage", "demo-code", "idva@demo.triage.test"]
        )
        assert result.exit_code != 0
        assert "production" in result.output
    finally:
        with production.app_context():
            db.engine.dispose()


def test_demo_code_signs_a_demo_user_in(app, client):
    from triage.services import demo

    with app.app_context():
        demo.seed(days=0, settings=app_settings(), now=utcnow())
        db.session.commit()
    with time_machine.travel("2026-11-25 09:00:10 +0000", tick=False):
        runner = app.test_cli_runner()
        code = runner.invoke(args=["triage", "demo-code", "idva@demo.triage.test"]).output
        code = code.strip().split()[-1]
        response = password_step(client, "idva@demo.triage.test", demo.demo_password("idva"))
        assert response.headers["Location"] == "/sign-in/code"
        from tests.web.test_sign_in import code_step

        assert code_step(client, code).status_code == 302
        # The next code printed is the next unused one, and still works in this step.
        again = runner.invoke(args=["triage", "demo-code", "idva@demo.triage.test"]).output
        assert again.strip().split()[-1] != code
    refused = app.test_cli_runner().invoke(args=["triage", "demo-code", "nobody@example.test"])
    assert refused.exit_code != 0
