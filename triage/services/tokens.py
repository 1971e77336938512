"""API bearer tokens: shown once at creation, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from triage.extensions import db
from triage.models import ApiToken, User
from triage.services.auth_sessions import TOUCH_INTERVAL

PREFIX = "trg_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, label: str = "") -> str:
    token = PREFIX + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(token), label=label))
    db.session.flush()
    return token


def user_for_token(token: str, *, now: datetime) -> User | None:
    # The token, its user and the user's roles in one statement (every API call runs this).
    row = (
        db.session.scalars(
            select(ApiToken)
            .join(ApiToken.user)
            .outerjoin(User.role_rows)
            .options(contains_eager(ApiToken.user).contains_eager(User.role_rows))
            .where(ApiToken.token_hash == _digest(token))
        )
        .unique()
        .first()
    )
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    # Recorded to the minute, like a session's activity: not a write on every API read.
    if row.last_used_at is None or now - row.last_used_at > TOUCH_INTERVAL:
        row.last_used_at = now
    return row.user


def revoke_tokens(user: User, *, now: datetime) -> int:
    """Revoke every live token of a user (a lost laptop, a leaked script); returns how many."""
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0
