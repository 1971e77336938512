"""Rate limits on the JSON API and on exports (docs/security.md G6), with Flask-Limiter in Redis.

- The API (`/api/v1/*`): per bearer token (`RATELIMIT_API`) and per user across all of that
  user's tokens (`RATELIMIT_API_USER`); a request with no token is counted by address.
- Exports (the subject-access download, the CSV and print exports): per signed-in user,
  `RATELIMIT_EXPORT`, shared by every export view. Decorate a view with `@export_limit`:

      @bp.route("/screening.csv")
      @requires("screening.view")
      @export_limit
      def screening_csv(): ...

A refused request answers 429 with `Retry-After` (seconds); on the API the body is JSON
(`triage/web/errors.py`). The limits are configuration (config.py), read on each request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, current_app, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from triage.extensions import limiter

F = TypeVar("F", bound=Callable)


def token_key() -> str:
    """The bearer token's own bucket (a hash of it: the token is never stored), else the IP."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()[:32]
    return "ip:" + get_remote_address()


def user_key() -> str:
    """The signed-in user's bucket, whichever session or token they use, else the IP."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return "ip:" + get_remote_address()


def _config(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def limit_api(bp: Blueprint) -> Blueprint:
    """Apply the per-token and per-user API limits to every route of `bp`."""
    # Shared: one budget across every route of the API, not one per route.
    limiter.shared_limit(_config("RATELIMIT_API"), scope="api-token", key_func=token_key)(bp)
    limiter.shared_limit(_config("RATELIMIT_API_USER"), scope="api-user", key_func=user_key)(bp)
    return bp


def export_limit(view: F | None = None, *, methods: list[str] | None = None):
    """Limit a download view per user; every export view shares the one budget. Use bare
    (`@export_limit`: every request counts) or with `methods=["POST"]` when only those
    requests download (a GET that shows the form costs nothing)."""
    decorate = limiter.shared_limit(
        _config("RATELIMIT_EXPORT"), scope="export", key_func=user_key, methods=methods
    )
    return decorate if view is None else decorate(view)
