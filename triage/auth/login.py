"""Flask-Login wiring: a browser is signed in only while its server-side session row lives
AND that session has passed the second factor; the API authenticates each call by bearer
token instead (no cookies, so no CSRF exposure).

This is the one place that enforces MFA: a session opened with the password alone is never
loaded as a user, so every route (whatever its decorator) treats it as signed out, and
`_unauthorized` sends it to the code step instead of the password page.
"""

from __future__ import annotations

from datetime import timedelta
from functools import partial

from flask import Flask, current_app, g, request, session
from flask_login import AnonymousUserMixin

from triage.extensions import login_manager
from triage.models import User
from triage.services import auth_sessions, tokens
from triage.web.clock import request_now
from triage.web.kept_records import run_and_keep

SESSION_KEY = "sid"
# The password step is good for this long; then the whole sign-in starts again.
MFA_STEP_TIMEOUT = timedelta(minutes=10)
# Reading how long is left must not itself count as activity.
UNTOUCHED_ENDPOINTS = frozenset({"auth.session_status"})


class Anonymous(AnonymousUserMixin):
    roles: frozenset[str] = frozenset()


def register(app: Flask) -> None:
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = "Sign in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # the server-side session row is the protection
    login_manager.anonymous_user = Anonymous
    login_manager.user_loader(load_user_from_session)
    login_manager.request_loader(load_user_from_bearer)
    login_manager.unauthorized_handler(_unauthorized)


def session_timeouts() -> dict[str, timedelta]:
    """The configured session limits, as the keyword arguments auth_sessions takes."""
    return {
        "idle_timeout": current_app.config["SESSION_IDLE_TIMEOUT"],
        "absolute_timeout": current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
    }


def load_user_from_session(user_id: str) -> User | None:
    if request.path.startswith("/api/"):
        return None  # the API never accepts a browser cookie
    # The touch or time-out is written in the request's transaction and kept even if the
    # request is refused (triage.web.kept_records); the request's one commit records it.
    row = run_and_keep(
        partial(
            auth_sessions.find_live_session,
            session.get(SESSION_KEY),
            **session_timeouts(),
            now=request_now(),
            touch=request.endpoint not in UNTOUCHED_ENDPOINTS,
        )
    )
    if row is None or str(row.user_id) != user_id or not row.mfa_passed:
        session.clear()
        return None
    g.auth_session_id = row.id
    return row.user


def pending_mfa_session():
    """The browser's live session that has passed the password but not yet the second factor."""
    if request.path.startswith("/api/"):
        return None
    row = auth_sessions.find_live_session(
        session.get(SESSION_KEY),
        idle_timeout=min(session_timeouts()["idle_timeout"], MFA_STEP_TIMEOUT),
        absolute_timeout=MFA_STEP_TIMEOUT,
        now=request_now(),
    )
    if row is None or row.mfa_passed:
        return None
    return row


def load_user_from_bearer(req) -> User | None:
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    # The last use is written in the request's transaction and kept like a session touch.
    return run_and_keep(partial(tokens.user_for_token, token.strip(), now=request_now()))


def _unauthorized():
    from flask import flash, jsonify, redirect, url_for

    if request.path.startswith("/api/"):
        response = jsonify({"error": "Authentication required", "status": 401})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="triage"'
        return response
    if pending_mfa_session() is not None:
        return redirect(url_for("auth.mfa"))
    # A password step that timed out was ended above; the redirect's commit records it.
    flash(login_manager.login_message, "info")
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("auth.sign_in", next=target))
