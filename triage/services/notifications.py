"""In-app notifications for reminders and escalations. They name a referral reference, never a
person, and are written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import Notification, User, UserRole


def users_with_role(role: str) -> list[User]:
    """Active users holding `role`, in a stable order."""
    return list(
        db.session.scalars(
            select(User)
            .join(UserRole, UserRole.user_id == User.id)
            .where(UserRole.role == role, User.active.is_(True))
            .order_by(User.id)
        )
    )


def notify(
    users: Iterable[User],
    *,
    kind: str,
    message: str,
    now: datetime,
    referral_id: int | None = None,
) -> list[Notification]:
    rows = [
        Notification(
            user_id=user.id, referral_id=referral_id, kind=kind, message=message, created_at=now
        )
        for user in users
    ]
    db.session.add_all(rows)
    db.session.flush()
    return rows
