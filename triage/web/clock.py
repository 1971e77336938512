""" "Now" for the current request: read once, so every service the request calls (the session
check, the sign-in step, the audit events) is given the same instant."""

from __future__ import annotations

from datetime import datetime

from flask import g

from triage.timeutil import utcnow

_KEY = "_request_now"


def request_now() -> datetime:
    """The instant this request began to be handled (read from the clock on first use)."""
    if _KEY not in g:
        setattr(g, _KEY, utcnow())
    return getattr(g, _KEY)
