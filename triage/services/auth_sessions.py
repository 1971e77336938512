"""Server-side sign-in sessions: the cookie carries a random id, the row decides.

Ending the row (sign-out, password or role change, account disabled, time-out) ends the
session everywhere at once, which a signed cookie alone cannot do.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from triage.extensions import db
from triage.models import AuthSession, User

# Writing last_seen_at on every request would make every GET a write; a minute is precise enough.
TOUCH_INTERVAL = timedelta(seconds=60)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def open_session(user: User, *, mfa_passed: bool = False, now: datetime) -> tuple[str, AuthSession]:
    """Create a session row; returns the token for the cookie (only its hash is stored).

    A session opened after the password alone (`mfa_passed=False`) signs nobody in: it only
    lets the browser reach the second step (see triage.auth.login)."""
    token = secrets.token_urlsafe(32)
    row = AuthSession(
        token_hash=_digest(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        mfa_passed=mfa_passed,
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def find_session(token: str | None) -> AuthSession | None:
    if not token:
        return None
    return db.session.scalar(select(AuthSession).where(AuthSession.token_hash == _digest(token)))


def find_live_session(
    token: str | None,
    *,
    idle_timeout: timedelta,
    absolute_timeout: timedelta,
    now: datetime,
    touch: bool = True,
) -> AuthSession | None:
    """The live session for this token, ending it first if it has timed out.

    `touch=False` reads without counting as activity (the idle-warning status check)."""
    row = find_session(token)
    if row is None or row.ended_at is not None:
        return None
    if now - row.last_seen_at > idle_timeout:
        end_session(row, "idle_timeout", now=now)
        return None
    if now - row.created_at > absolute_timeout:
        end_session(row, "absolute_timeout", now=now)
        return None
    if not row.user.active:
        end_session(row, "account_disabled", now=now)
        return None
    if touch and now - row.last_seen_at > TOUCH_INTERVAL:
        row.last_seen_at = now
    return row


def end_session(row: AuthSession, reason: str, *, now: datetime) -> None:
    if row.ended_at is None:
        row.ended_at = now
        row.end_reason = reason


def end_all_sessions(
    user_id: int, reason: str, *, now: datetime, keep_id: int | None = None
) -> int:
    """End every live session of a user (password change, role change, account disabled),
    except `keep_id` (the session that changed its own password stays signed in)."""
    conditions = [AuthSession.user_id == user_id, AuthSession.ended_at.is_(None)]
    if keep_id is not None:
        conditions.append(AuthSession.id != keep_id)
    result = db.session.execute(
        update(AuthSession)
        .where(*conditions)
        .values(ended_at=now, end_reason=reason)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def seconds_left(
    row: AuthSession, *, idle_timeout: timedelta, absolute_timeout: timedelta, now: datetime
) -> int:
    """Seconds until this session ends: for idleness, or its absolute limit if that is sooner."""
    ends = min(row.last_seen_at + idle_timeout, row.created_at + absolute_timeout)
    return max(0, int((ends - now).total_seconds()))


def keep_alive(row: AuthSession, *, now: datetime) -> None:
    """'Stay signed in' on the idle warning: the session counts as active from now."""
    row.last_seen_at = now
