"""Factories for the data a test does not care about. Each flushes, so ids exist."""

from __future__ import annotations

import itertools
from datetime import date

from triage.extensions import db
from triage.models import Person, User, UserRole
from triage.services.passwords import hash_password
from triage.services.people import match_key

_seq = itertools.count(1)
TEST_PASSWORD = "correct-horse-battery-staple-42"
# Hashing is slow on purpose; tests share one hash of the shared test password.
_HASH = {}


def _password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = hash_password(TEST_PASSWORD)
    return _HASH["h"]


def make_user(roles: list[str] | None = None, **fields) -> User:
    n = next(_seq)
    user = User(
        email=fields.pop("email", f"user{n}@example.test"),
        name=fields.pop("name", f"Test User {n}"),
        password_hash=fields.pop("password_hash", _password_hash()),
        role_rows=[UserRole(role=r) for r in (roles or ["referrer"])],
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_person(**fields) -> Person:
    n = next(_seq)
    first = fields.pop("first_name", f"Alex{n}")
    last = fields.pop("last_name", "Example")
    person = Person(
        first_name=first,
        last_name=last,
        match_name=match_key(first, last),
        date_of_birth=fields.pop("date_of_birth", date(1990, 1, 1)),
        **fields,
    )
    db.session.add(person)
    db.session.flush()
    return person
