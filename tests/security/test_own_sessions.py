"""G8: a user sees and ends their own sessions; a password an administrator set must be
changed at the next sign-in before anything else."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.factories import TEST_PASSWORD, make_user
from tests.web.test_sign_in import TEST_TOTP_SECRET, audit_actions, csrf_token, sign_in
from triage.auth.login import SESSION_KEY
from triage.extensions import db
from triage.models import AuthSession, User
from triage.services import auth_sessions
from triage.timeutil import utcnow

NEW_PASSWORD = "plum-orchard-kettle-drum-81"


def _browser(app, user_id: int):
    """A test client signed in as the user (both steps passed), and its session row id."""
    browser = app.test_client()
    with app.app_context():
        user = db.session.get(User, user_id)
        token, row = auth_sessions.open_session(user, mfa_passed=True, now=utcnow())
        db.session.commit()
        row_id = row.id
    with browser.session_transaction() as sess:
        sess[SESSION_KEY] = token
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True
    return browser, row_id


def _user(app, **fields) -> int:
    with app.app_context():
        user = make_user(**fields)
        db.session.commit()
        return user.id


def _ended(app, row_id: int) -> str | None:
    with app.app_context():
        return db.session.get(AuthSession, row_id).end_reason


def test_the_account_page_lists_only_the_users_own_live_sessions(app):
    me = _user(app, roles=["idva"])
    other = _user(app, roles=["idva"])
    here, here_id = _browser(app, me)
    _, there_id = _browser(app, me)
    _, theirs_id = _browser(app, other)
    page = here.get("/account")
    assert page.status_code == 200
    assert "This session" in page.text
    assert f"/account/sessions/{there_id}/end" in page.text
    assert f"/account/sessions/{here_id}/end" not in page.text  # this one: sign out instead
    assert f"/account/sessions/{theirs_id}/end" not in page.text
    assert "Sign out of every other session" in page.text
    assert not re.search(r"\b\d{1,3}(\.\d{1,3}){3}\b", page.text)  # no addresses at all


def test_ending_one_session_signs_that_browser_out(app):
    me = _user(app, roles=["idva"])
    here, _ = _browser(app, me)
    there, there_id = _browser(app, me)
    assert there.get("/").status_code == 200
    token = csrf_token(here, "/account")
    no_token = here.post(f"/account/sessions/{there_id}/end")
    assert no_token.status_code == 400 and _ended(app, there_id) is None  # CSRF checked
    done = here.post(f"/account/sessions/{there_id}/end", data={"csrf_token": token})
    assert done.status_code == 302
    assert _ended(app, there_id) == "ended_by_user"
    assert there.get("/").status_code == 302  # signed out there
    assert here.get("/").status_code == 200  # not here
    with app.app_context():
        assert "auth.session_ended_by_user" in audit_actions()


def test_another_users_session_cannot_be_ended(app):
    me = _user(app, roles=["idva"])
    other = _user(app, roles=["idva"])
    here, _ = _browser(app, me)
    theirs, theirs_id = _browser(app, other)
    token = csrf_token(here, "/account")
    response = here.post(
        f"/account/sessions/{theirs_id}/end", data={"csrf_token": token}, follow_redirects=True
    )
    assert "That session has already ended" in response.text
    assert _ended(app, theirs_id) is None and theirs.get("/").status_code == 200


def test_ending_every_other_session_keeps_this_one(app):
    me = _user(app, roles=["screener"])
    here, here_id = _browser(app, me)
    others = [_browser(app, me) for _ in range(2)]
    token = csrf_token(here, "/account")
    response = here.post(
        "/account/sessions/end-others", data={"csrf_token": token}, follow_redirects=True
    )
    assert "Signed out of 2 other sessions" in response.text
    assert [_ended(app, row_id) for _, row_id in others] == ["ended_by_user"] * 2
    assert _ended(app, here_id) is None
    assert all(browser.get("/").status_code == 302 for browser, _ in others)


def test_a_user_an_administrator_created_must_choose_a_password_first(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/users/new")
    created = client.post(
        "/admin/users/new",
        data={
            "email": "fresh@example.test",
            "name": "Fresh Person",
            "roles": ["idva"],
            "password": TEST_PASSWORD,
            "csrf_token": token,
        },
    )
    assert created.status_code == 302
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "fresh@example.test"))
        assert user.must_change_password is True
        user_id = user.id
    _forced_change(app, user_id)


def test_a_password_an_administrator_set_must_be_changed_at_next_sign_in(app, client, login_as):
    target = _user(app, roles=["referrer"], totp_secret=TEST_TOTP_SECRET)
    elsewhere, elsewhere_id = _browser(app, target)
    login_as("admin")
    token = csrf_token(client, f"/admin/users/{target}")
    weak = client.post(
        f"/admin/users/{target}/password", data={"password": "short", "csrf_token": token}
    )
    assert weak.status_code == 400 and "at least 12 characters" in weak.text
    done = client.post(
        f"/admin/users/{target}/password", data={"password": TEST_PASSWORD, "csrf_token": token}
    )
    assert done.status_code == 302
    assert _ended(app, elsewhere_id) == "password_reset"  # signed out everywhere at once
    assert elsewhere.get("/").status_code == 302
    with app.app_context():
        assert db.session.get(User, target).must_change_password is True
        assert "user.password_set" in audit_actions()
    _forced_change(app, target)


def _forced_change(app, user_id: int) -> None:
    """The user signs in, is held on the change-password page, changes it, and is free."""
    with app.app_context():
        user = db.session.get(User, user_id)
        if user.totp_secret is None:
            from triage.totp_keys import TotpKeyring

            keys = TotpKeyring.from_config(app.config)
            user.totp_secret, user.totp_key_id = keys.seal(TEST_TOTP_SECRET, owner=user.id)
            db.session.commit()
        email = user.email
    browser = app.test_client()
    assert sign_in(browser, email).status_code == 302
    for path in ("/", "/account", "/referrals/new"):
        held = browser.get(path)
        assert held.status_code == 302 and held.headers["Location"] == "/account/password"
    page = browser.get("/account/password")
    assert page.status_code == 200 and "An administrator set your password" in page.text
    token = csrf_token(browser, "/account/password")
    changed = browser.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "new_password": NEW_PASSWORD,
            "confirm_password": NEW_PASSWORD,
            "csrf_token": token,
        },
    )
    assert changed.status_code == 302
    assert browser.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, user_id).must_change_password is False
