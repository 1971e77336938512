"""Route guards. Every endpoint declares either a capability or that it is public; a test
walks `app.url_map` and fails on any endpoint that declares neither."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, url_for
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


def requires(capability: str) -> Callable[[Callable], Callable]:
    """Require a signed-in user holding `capability` (object checks happen in the view)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not can(current_user, capability):
                g.denied_capability = capability
                abort(403)
            return view(*args, **kwargs)

        wrapped.access_rule = capability  # type: ignore[attr-defined]
        return wrapped

    return decorator
