"""The one place that decides who may see which case.

`can()` answers for a capability and, optionally, an object. Object checks for referrals use
the same SQL clause as the lists (`visible_referrals_clause`), so a list can never show a case
that its reader could not open.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, select, true

from triage.extensions import db
from triage.models import MaracListing, Person, Referral, User
from triage.permissions.capabilities import capabilities_for


def _is_signed_in(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def has_capability(user: Any, capability: str) -> bool:
    return _is_signed_in(user) and capability in capabilities_for(user.roles)


def visible_referrals_clause(user: User) -> ColumnElement[bool]:
    """SQL condition on Referral: the cases this user may open."""
    if not _is_signed_in(user):
        return false()
    roles = user.roles
    if "screener" in roles or "s2s_lead" in roles:
        return true()  # the S2S team (and its lead, who gets the escalations) sees every referral
    conditions: list[ColumnElement[bool]] = []
    if "referrer" in roles or "idva" in roles:
        conditions.append(Referral.referrer_id == user.id)
    if "idva" in roles:
        conditions.append(Referral.assigned_idva_id == user.id)
    if "marac_coordinator" in roles:
        conditions.append(exists().where(MaracListing.referral_id == Referral.id))
    return or_(*conditions) if conditions else false()


def can_see_referral(user: User, referral_id: int) -> bool:
    clause = visible_referrals_clause(user)
    query = select(exists().where(Referral.id == referral_id, clause))
    return bool(db.session.scalar(query))


def can(user: Any, capability: str, obj: Any = None) -> bool:
    """May `user` use `capability`, on `obj` when given?"""
    if not has_capability(user, capability):
        return False
    if obj is None:
        return True
    if isinstance(obj, Referral):
        return obj.id is not None and can_see_referral(user, obj.id)
    if isinstance(obj, Person):
        clause = visible_referrals_clause(user)
        linked = or_(Referral.victim_id == obj.id, Referral.perpetrator_id == obj.id)
        return bool(db.session.scalar(select(exists().where(linked, clause))))
    if isinstance(obj, MaracListing):
        # A listing is visible exactly when its referral is.
        return obj.referral_id is not None and can_see_referral(user, obj.referral_id)
    # Deny by default: an object type nobody has taught this function about is not visible.
    return False
