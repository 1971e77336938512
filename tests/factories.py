"""Factories for the data a test does not care about. Each flushes, so ids exist."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

from flask import current_app

from triage.extensions import db
from triage.models import Person, PersonDetails, Referral, User, UserRole
from triage.services.passwords import hash_password
from triage.services.people import match_key
from triage.totp_keys import TotpKeyring

_seq = itertools.count(1)
TEST_PASSWORD = "correct-horse-battery-staple-42"
# Hashing is slow on purpose; tests share one hash of the shared test password.
_HASH = {}


def _password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = hash_password(TEST_PASSWORD)
    return _HASH["h"]


def make_user(roles: list[str] | None = None, **fields) -> User:
    """A user; a `totp_secret` given in clear is stored encrypted, as enrolment stores it
    (pass `totp_key_id=None` explicitly to store one in clear, as before G3)."""
    n = next(_seq)
    secret = fields.pop("totp_secret", None)
    clear = "totp_key_id" in fields and fields.pop("totp_key_id") is None
    user = User(
        email=fields.pop("email", f"user{n}@example.test"),
        name=fields.pop("name", f"Test User {n}"),
        password_hash=fields.pop("password_hash", _password_hash()),
        role_rows=[UserRole(role=r) for r in (roles or ["referrer"])],
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    if secret and clear:
        user.totp_secret = secret
    elif secret:
        keys = TotpKeyring.from_config(current_app.config)
        user.totp_secret, user.totp_key_id = keys.seal(secret, owner=user.id)
    db.session.flush()
    return user


def make_person(**fields) -> Person:
    """A person record (matching data only: the names give the key and are not stored)."""
    n = next(_seq)
    first = fields.pop("first_name", f"Alex{n}")
    last = fields.pop("last_name", "Example")
    person = Person(
        match_name=match_key(first, last),
        date_of_birth=fields.pop("date_of_birth", date(1990, 1, 1)),
        **fields,
    )
    db.session.add(person)
    db.session.flush()
    return person


def make_details(referral: Referral, role: str = "victim", **fields) -> PersonDetails:
    """What `referral` recorded about its `role` (for referrals a test inserts directly)."""
    row = PersonDetails(
        referral_id=referral.id,
        role=role,
        first_name=fields.pop("first_name", "Alex"),
        last_name=fields.pop("last_name", "Example"),
        recorded_at=fields.pop("recorded_at", datetime(2026, 1, 5, 9, 0, tzinfo=UTC)),
        **fields,
    )
    referral.people_details.append(row)
    db.session.flush()
    return row
