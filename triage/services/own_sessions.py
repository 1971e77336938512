"""A user's view of their own sign-in sessions: list the live ones, end one, end all others
(docs/security.md G8). Only the user's own rows, and nothing about where they came from.

Flushed and audited in the caller's transaction; the request boundary commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from triage.extensions import db
from triage.models import AuthSession, User
from triage.services import audit
from triage.services.actor import Actor
from triage.services.auth_sessions import end_all_sessions, end_session


class SessionNotFound(LookupError):
    """No live session of this user has that id (ended already, or someone else's)."""


@dataclass(frozen=True)
class LiveSession:
    id: int
    started_at: datetime
    last_seen_at: datetime
    current: bool


def live_sessions(
    user: User,
    *,
    current_id: int | None,
    idle_timeout: timedelta,
    absolute_timeout: timedelta,
    now: datetime,
) -> list[LiveSession]:
    """The user's signed-in sessions that have not ended or timed out, newest first."""
    rows = db.session.scalars(
        select(AuthSession)
        .where(
            AuthSession.user_id == user.id,
            AuthSession.ended_at.is_(None),
            AuthSession.mfa_passed.is_(True),
            AuthSession.last_seen_at >= now - idle_timeout,
            AuthSession.created_at >= now - absolute_timeout,
        )
        .order_by(AuthSession.created_at.desc(), AuthSession.id.desc())
    )
    return [LiveSession(r.id, r.created_at, r.last_seen_at, r.id == current_id) for r in rows]


def end_own_session(user: User, session_id: int, actor: Actor, *, now: datetime) -> None:
    """End one of the user's own live sessions (e.g. a browser left signed in elsewhere)."""
    row = db.session.get(AuthSession, session_id)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        raise SessionNotFound("That session has already ended")
    end_session(row, "ended_by_user", now=now)
    db.session.flush()
    audit.record(
        "auth.session_ended_by_user",
        actor,
        object_type="user",
        object_id=user.id,
        details={"session": row.id},
        now=now,
    )


def end_other_sessions(user: User, current_id: int | None, actor: Actor, *, now: datetime) -> int:
    """End every live session of the user except this one; returns how many ended."""
    ended = end_all_sessions(user.id, "ended_by_user", now=now, keep_id=current_id)
    audit.record(
        "auth.other_sessions_ended",
        actor,
        object_type="user",
        object_id=user.id,
        details={"ended": ended},
        now=now,
    )
    return ended
