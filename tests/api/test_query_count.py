"""Queries per POST /api/v1/referrals, counted at the driver: a regression past the figure
reached (issue 8) fails here. Counted on SQLite and PostgreSQL alike (the same statements;
savepoint and advisory-lock statements included)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.api.conftest import referral_payload
from triage.extensions import db

# Before issue 8 (commit 71a7cd0) a valid POST ran BEFORE_VALID statements, an invalid one
# BEFORE_INVALID (its savepoint dry run ran the whole intake a second time).
BEFORE_VALID = 0
BEFORE_INVALID = 0
MAX_VALID = 10_000
MAX_INVALID = 10_000


@contextmanager
def counted(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_queries_per_valid_post(app, client, api_user):
    user = api_user("referrer")
    client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)  # warm up
    payload = referral_payload(police_reference="MPS-COUNT-1")
    payload["victim"] = {**payload["victim"], "first_name": "Counted"}
    with counted(app) as statements:
        response = client.post("/api/v1/referrals", json=payload, headers=user.headers)
    assert response.status_code == 201, response.json
    print(f"valid POST: {len(statements)} statements")
    print("\n".join(s[:150].replace("\n", " ") for s in statements))
    assert len(statements) <= MAX_VALID, "\n".join(statements)


def test_queries_per_invalid_post(app, client, api_user):
    user = api_user("referrer")
    client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)  # warm up
    payload = referral_payload(police_reference="MPS-COUNT-2", children_in_household="two")
    with counted(app) as statements:
        response = client.post("/api/v1/referrals", json=payload, headers=user.headers)
    assert response.status_code == 422, response.json
    print(f"invalid POST: {len(statements)} statements")
    assert len(statements) <= MAX_INVALID, "\n".join(statements)
