"""In-app notifications for reminders and escalations. They name a referral reference, never a
person, and are written in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, false, select

from triage.extensions import db
from triage.models import Notification, Referral, User, UserRole
from triage.permissions.cases import has_capability, visible_referrals_clause


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


@dataclass(frozen=True)
class Unread:
    notification: Notification
    # May the reader open the case it names? Only then is it shown as a link.
    may_open: bool


def unread_for(user: User, *, limit: int = 10) -> list[Unread]:
    """The user's unread notifications, newest first, each with whether its case is one the
    user may open (the same clause as every list, in the same one query)."""
    opens = has_capability(user, "referral.view")
    visible = and_(Referral.id.is_not(None), visible_referrals_clause(user) if opens else false())
    rows = db.session.execute(
        select(Notification, case((visible, True), else_=False))
        .outerjoin(Referral, Referral.id == Notification.referral_id)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return [Unread(notification, bool(may_open)) for notification, may_open in rows]
