"""Helpers for the screening-decision and case-record tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import make_user
from tests.marac_support import make_referral
from triage.extensions import db
from triage.models import User
from triage.services.actor import Actor
from triage.services.screening_decisions import DecisionInput

NOW = datetime(2026, 5, 6, 9, 0, tzinfo=UTC)


def actor_for(user: User) -> Actor:
    return Actor.for_user(user)


def referral(yes: int = 15, **kwargs):
    """A referral received the day before NOW (15 yes answers: high risk, MARAC)."""
    return make_referral(NOW - timedelta(days=1), yes=yes, **kwargs)


def decision(owner_id: int | None, based_on: int | None = 0, **changes) -> DecisionInput:
    fields = {"based_on_version": based_on, "route": "s2s_offer", "owner_id": owner_id}
    fields.update(changes)
    return DecisionInput(**fields)


def team() -> dict[str, User]:
    users = {role: make_user(roles=[role]) for role in ("screener", "idva", "s2s_lead")}
    users["referrer"] = make_user(roles=["referrer"])
    db.session.flush()
    return users
