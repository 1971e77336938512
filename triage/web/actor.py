"""The actor of the current request, for service calls (services never read Flask globals)."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from triage.services.actor import Actor


def current_actor() -> Actor:
    request_id = g.get("request_id")
    ip = request.remote_addr
    if current_user and current_user.is_authenticated:
        via = "api" if request.path.startswith("/api/") else "user"
        return Actor.for_user(current_user, request_id=request_id, ip=ip, via=via)
    return Actor.anonymous(request_id=request_id, ip=ip)
