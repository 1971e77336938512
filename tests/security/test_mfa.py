"""The second factor: required for every account, enrolled at first sign-in, codes single-use."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pyotp
import time_machine
from sqlalchemy import func, select

from tests.factories import make_user
from tests.settings_support import app_settings
from tests.web.test_sign_in import (
    TEST_TOTP_SECRET,
    add_user,
    audit_actions,
    code_step,
    csrf_token,
    password_step,
    sign_in,
)
from triage.extensions import db
from triage.models import AuthSession, User
from triage.models.user import RecoveryCode
from triage.services import mfa, recovery_codes

T0 = "2026-11-25 10:00:07 +0000"
T0_EPOCH = int(datetime.fromisoformat("2026-11-25T10:00:07+00:00").timestamp())


def test_password_alone_signs_nobody_in(app, client):
    add_user(app, roles=["screener"], email="half@example.test")
    response = password_step(client, "half@example.test")
    assert response.headers["Location"] == "/sign-in/code"
    for path in ("/", "/admin/users", "/account"):
        page = client.get(path)
        assert page.status_code == 302
        assert page.headers["Location"] == "/sign-in/code"
    # The API never takes the cookie at all.
    assert client.get("/api/v1/referrals/1").status_code == 401
    with app.app_context():
        row = db.session.scalar(select(AuthSession).order_by(AuthSession.id.desc()))
        assert row.mfa_passed is False


def test_code_page_needs_the_password_step_first(client):
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"
    assert client.get("/sign-in/set-up").headers["Location"] == "/sign-in"


def test_signed_in_user_is_sent_home_from_the_code_page(login_as, client):
    login_as("idva")
    assert client.get("/sign-in/code").headers["Location"] == "/"


def test_first_sign_in_enrols_with_qr_code_and_shows_recovery_codes_once(app, client):
    user_id = add_user(app, roles=["idva"], email="new@example.test", totp_secret=None)
    with time_machine.travel(T0, tick=False):
        response = password_step(client, "new@example.test")
        assert response.headers["Location"] == "/sign-in/set-up"
        page = client.get("/sign-in/set-up")
        assert page.status_code == 200
        assert page.headers["Cache-Control"] == "no-store"  # the secret is on it
        assert "<svg" in page.text and "<title>QR code" in page.text
        assert "<script>" not in page.text.replace(" ", "")
        with app.app_context():
            pending = db.session.scalar(select(AuthSession).order_by(AuthSession.id.desc()))
            keys = app_settings().totp_keys
            assert pending.pending_totp_key_id == keys.current_id  # encrypted while pending
            secret = keys.open(
                pending.pending_totp_secret, pending.pending_totp_key_id, owner=user_id
            )
            assert secret not in pending.pending_totp_secret
        assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page.text
        assert client.get("/sign-in/set-up").text.count(secret[:4]) >= 1  # same secret again

        wrong = client.post(
            "/sign-in/set-up",
            data={"code": "000000", "csrf_token": csrf_token(client, "/sign-in/set-up")},
        )
        assert wrong.status_code == 401
        assert "Enter a correct code" in wrong.text

        code = pyotp.TOTP(secret).now()
        done = client.post(
            "/sign-in/set-up",
            data={"code": code, "csrf_token": csrf_token(client, "/sign-in/set-up")},
        )
        assert done.status_code == 200
        codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)
        assert len(codes) == 10 and len(set(codes)) == 10
        assert client.get("/").status_code == 200
    with app.app_context():
        user = db.session.get(User, user_id)
        # G3: stored encrypted under the current key, readable only with it.
        assert secret not in user.totp_secret and user.totp_key_id == keys.current_id
        assert mfa.stored_secret(user, keys) == secret
        stored = db.session.scalars(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user_id)
        ).all()
        assert len(stored) == 10
        assert not set(codes) & set(stored)  # only hashes are kept
        actions = audit_actions()
        assert "mfa.failure" in actions and "mfa.enrol" in actions
        assert actions[-1] == "auth.sign_in"


def test_totp_code_is_single_use(app, client):
    add_user(app, roles=["referrer"], email="once@example.test")
    with time_machine.travel(T0, tick=False):
        code = pyotp.TOTP(TEST_TOTP_SECRET).now()
        password_step(client, "once@example.test")
        assert code_step(client, code).status_code == 302
        client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
        password_step(client, "once@example.test")
        replay = code_step(client, code)
        assert replay.status_code == 401
        assert client.get("/").status_code == 302
        # An older code (the previous step, inside the window) is refused as well.
        earlier = pyotp.TOTP(TEST_TOTP_SECRET).at(T0_EPOCH - 30)
        assert code_step(client, earlier).status_code == 401
    with time_machine.travel("2026-11-25 10:00:40 +0000", tick=False):
        assert code_step(client).status_code == 302  # the next step's code works
        assert client.get("/").status_code == 200
    with app.app_context():
        assert audit_actions().count("mfa.failure") == 2


def test_codes_within_one_step_of_drift_are_accepted(app, client):
    add_user(app, roles=["referrer"], email="drift@example.test")
    with time_machine.travel(T0, tick=False):
        previous = pyotp.TOTP(TEST_TOTP_SECRET).at(T0_EPOCH - 30)
        password_step(client, "drift@example.test")
        assert code_step(client, previous).status_code == 302
    client2 = app.test_client()
    add_user(app, roles=["referrer"], email="drift2@example.test")
    with time_machine.travel(T0, tick=False):
        too_old = pyotp.TOTP(TEST_TOTP_SECRET).at(T0_EPOCH - 90)
        password_step(client2, "drift2@example.test")
        assert code_step(client2, too_old).status_code == 401


def test_recovery_code_works_once(app, client):
    user_id = add_user(app, roles=["screener"], email="lost@example.test")
    with app.app_context():
        codes = recovery_codes.issue(db.session.get(User, user_id), now=_now())
        db.session.commit()
    password_step(client, "lost@example.test")
    response = code_step(client, codes[3].upper().replace("-", " "))  # typed loosely
    assert response.status_code == 302
    assert "9 left" in client.get("/").text
    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/")})
    password_step(client, "lost@example.test")
    assert code_step(client, codes[3]).status_code == 401
    with app.app_context():
        actions = audit_actions()
        assert "mfa.recovery_code_used" in actions
        used = db.session.scalar(
            select(func.count(RecoveryCode.id)).where(RecoveryCode.used_at.is_not(None))
        )
        assert used == 1


def test_wrong_codes_are_slowed_down_per_account(app, client):
    add_user(app, roles=["idva"], email="guess@example.test")
    with time_machine.travel(T0, tick=False) as clock:
        password_step(client, "guess@example.test")
        for _ in range(5):  # FREE_FAILURES
            assert code_step(client, "123456").status_code == 401
        refused = code_step(client)  # right code, but inside the delay
        assert refused.status_code == 401
        assert "Too many attempts" in refused.text
        clock.shift(timedelta(seconds=61))
        assert code_step(client).status_code == 302
    with app.app_context():
        actions = audit_actions()
        assert actions.count("mfa.failure") == 5
        assert "mfa.throttled" in actions
        assert (
            db.session.scalar(
                select(User.failed_sign_ins).where(User.email == "guess@example.test")
            )
            == 0
        )


def test_password_success_does_not_reset_the_delay(app, client):
    """Knowing the password must not buy fresh, undelayed guesses at the code."""
    add_user(app, roles=["idva"], email="cycle@example.test")
    with time_machine.travel(T0, tick=False) as clock:
        password_step(client, "cycle@example.test")
        for _ in range(5):
            code_step(client, "654321")
        fresh = app.test_client()
        assert "Too many attempts" in password_step(fresh, "cycle@example.test").text
        clock.shift(timedelta(seconds=2))  # the first delay (1 s) has passed
        assert password_step(fresh, "cycle@example.test").status_code == 302
        assert code_step(fresh, "654321").status_code == 401  # sixth failure: 2 s delay
        assert "Too many attempts" in code_step(fresh).text


def test_password_step_expires_after_ten_minutes(app, client):
    add_user(app, roles=["idva"], email="slow@example.test")
    with time_machine.travel(T0, tick=False) as clock:
        password_step(client, "slow@example.test")
        token = csrf_token(client, "/sign-in/code")
        clock.shift(timedelta(minutes=11))
        response = client.post(
            "/sign-in/code",
            data={"code": pyotp.TOTP(TEST_TOTP_SECRET).now(), "csrf_token": token},
        )
        assert response.headers["Location"] == "/sign-in"
        assert client.get("/").headers["Location"].startswith("/sign-in?")
    with app.app_context():
        row = db.session.scalar(select(AuthSession).order_by(AuthSession.id.desc()))
        assert row.ended_at is not None and not row.mfa_passed


def test_admin_reset_makes_the_user_enrol_again(app, client, login_as):
    with app.app_context():
        target = make_user(roles=["idva"], totp_secret=TEST_TOTP_SECRET)
        recovery_codes.issue(target, now=_now())
        db.session.commit()
        target_id, email = target.id, target.email
    other = app.test_client()
    assert sign_in(other, email).status_code == 302
    assert other.get("/").status_code == 200
    login_as("admin")
    token = csrf_token(client, f"/admin/users/{target_id}")
    assert (
        client.post(f"/admin/users/{target_id}/reset-mfa", data={"csrf_token": token}).status_code
        == 302
    )
    assert other.get("/").status_code == 302  # signed out at once
    assert password_step(other, email).headers["Location"] == "/sign-in/set-up"
    with app.app_context():
        assert db.session.get(User, target_id).totp_secret is None
        assert (
            db.session.scalar(
                select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == target_id)
            )
            == 0
        )
        assert "mfa.reset" in audit_actions()


def _now():
    from triage.timeutil import utcnow

    return utcnow()


def test_password_only_session_reaches_no_route(app, client):
    """Every route in app.url_map, GET and POST: a session that has passed the password but
    not the code is sent to the code step (the API answers 401): MFA is enforced in one
    place, so a route added later is covered without doing anything."""
    from tests.security.support import build_url, routes

    add_user(app, roles=["screener", "admin", "marac_coordinator", "idva"], email="p@example.test")
    password_step(client, "p@example.test")
    token = csrf_token(client, "/sign-in/code")
    problems = []
    for route in routes(app):
        if route.access in ("public", "account.mfa_step"):
            continue
        url = build_url(route, {a: 1 if a.endswith("_id") else "x" for a in route.args})
        if route.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": token})
        expected = 401 if route.is_api else 302
        location = response.headers.get("Location")
        if response.status_code != expected or (not route.is_api and location != "/sign-in/code"):
            problems.append(f"{route.method} {url} -> {response.status_code} {location}")
    assert problems == [], "\n".join(problems)
    assert code_step(client).status_code == 302  # and the step itself still works
