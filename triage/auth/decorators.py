"""Route guards. Every endpoint declares either a capability or that it is public; a test
walks `app.url_map` and fails on any endpoint that declares neither."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, url_for
from flask_login import current_user

from triage.auth.login import pending_mfa_session
from triage.extensions import login_manager
from triage.permissions.capabilities import MFA_STEP
from triage.permissions.cases import can


def public(view: Callable) -> Callable:
    """Mark a view as open to anyone (sign-in page, health checks)."""
    view.access_rule = "public"  # type: ignore[attr-defined]
    return view


def mfa_step(view: Callable) -> Callable:
    """The second sign-in step: only for a browser session that has passed the password alone.
    The view receives that session row as `pending`; anyone else is sent on their way."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if current_user.is_authenticated:
            return redirect(url_for("home.index"))
        pending = pending_mfa_session()
        if pending is None:
            return redirect(url_for("auth.sign_in"))  # a timed-out step's end is committed
        return view(*args, pending=pending, **kwargs)

    wrapped.access_rule = MFA_STEP  # type: ignore[attr-defined]
    return wrapped


# What a browser whose password an administrator set may still reach: the change itself, and
# the ways out (G8). The API (bearer tokens, machine clients) is not a sign-in.
PASSWORD_CHANGE_ENDPOINTS = frozenset(
    {"auth.change_password", "auth.sign_out", "auth.session_status", "auth.session_keep_alive"}
)


def _must_change_password_first() -> bool:
    return (
        bool(getattr(current_user, "must_change_password", False))
        and not request.path.startswith("/api/")
        and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
    )


def requires(capability: str) -> Callable[[Callable], Callable]:
    """Require a signed-in user holding `capability` (object checks happen in the view)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if _must_change_password_first():
                return redirect(url_for("auth.change_password"))
            if not can(current_user, capability):
                g.denied_capability = capability
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_rule = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator
