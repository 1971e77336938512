"""Statements per POST /api/v1/referrals, counted at the driver (a SQLAlchemy
`before_cursor_execute` listener): a regression past the figure reached fails here.

Every statement counts, savepoints and PostgreSQL's audit advisory lock included, from
the token look-up to the after-commit enqueue. Before issue 8 (commit 71a7cd0) a valid POST
ran 33 statements on SQLite and 35 on PostgreSQL; an invalid one 25 and 27, because the
API validated by running the whole intake a second time in a savepoint it rolled back.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from tests.api.conftest import referral_payload
from triage.extensions import db
from triage.services import audit

# {dialect: (valid POST, invalid POST)}
BEFORE = {"sqlite": (33, 25), "postgresql": (35, 27)}
# Issue 12 (people as data with provenance) adds the INSERT of the referral's own record of
# its victim and perpetrator (`person_details`: one statement per row on SQLite, one batch on
# PostgreSQL); whether a match is from a case the referrer may see is asked in the matching
# query itself, so it costs no statement.
# Issue 11 (intake speed): the victim and perpetrator are matched in one query, the offer
# deadline is fixed before the referral's INSERT (no UPDATE after it), a new referral's due
# actions go in one INSERT without looking for existing ones, and the audit events are
# queued and appended together just before the commit (one lock, one head read, one INSERT
# instead of one each per event).
# Issue 11 item 3: the token, its user and roles in one query; the active rule set and the
# closure days in one (reference_data); no savepoint around the intake (it refuses before
# it writes); the due actions written `enqueued` with their keys in hand, so nothing reads
# them before the commit and no UPDATE marks them after it (Redis only, after the commit).
AT_MOST = {"sqlite": (15, 7), "postgresql": (13, 7)}


@contextmanager
def counted(app) -> Iterator[tuple[list[str], str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements, engine.dialect.name
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _listing(statements: list[str]) -> str:
    return "\n".join(" ".join(s.split())[:120] for s in statements)


def test_statements_per_valid_post(app, client, api_user):
    user = api_user("referrer")
    client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)  # warm up
    payload = referral_payload(police_reference="MPS-COUNT-1")
    payload["victim"] = {**payload["victim"], "first_name": "Counted"}
    with counted(app) as (statements, dialect):
        response = client.post("/api/v1/referrals", json=payload, headers=user.headers)
    assert response.status_code == 201, response.json
    assert len(statements) <= AT_MOST[dialect][0], _listing(statements)


def test_statements_per_invalid_post(app, client, api_user):
    user = api_user("referrer")
    client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)  # warm up
    payload = referral_payload(police_reference="MPS-COUNT-2", children_in_household="two")
    with counted(app) as (statements, dialect):
        response = client.post("/api/v1/referrals", json=payload, headers=user.headers)
    assert response.status_code == 422, response.json
    assert {e["field"] for e in response.json["errors"]} == {"children_in_household"}
    assert len(statements) <= AT_MOST[dialect][1], _listing(statements)


def test_intake_appends_its_events_last_in_one_insert(app, client, api_user):
    user = api_user("referrer")
    client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)  # warm up
    payload = referral_payload(police_reference="MPS-QUEUE-1")
    with counted(app) as (statements, dialect):
        response = client.post("/api/v1/referrals", json=payload, headers=user.headers)
    assert response.status_code == 201, response.json
    flat = [" ".join(s.split()) for s in statements]
    audit_inserts = [i for i, s in enumerate(flat) if s.startswith("INSERT INTO audit_events")]
    # referral.create and due_action.plan together: one INSERT on PostgreSQL; SQLite's driver
    # inserts row by row, but still both at the end.
    assert len(audit_inserts) == (1 if dialect == "postgresql" else 2)
    assert audit_inserts == list(range(audit_inserts[0], audit_inserts[0] + len(audit_inserts)))
    other_writes = [
        i
        for i, s in enumerate(flat)
        if s.startswith(("INSERT", "UPDATE", "DELETE")) and i not in audit_inserts
    ]
    # Every write of the request comes before the chain append, and nothing after it: the
    # due actions were inserted `enqueued`, so the after-commit step only talks to Redis.
    assert other_writes and all(i < audit_inserts[0] for i in other_writes)
    assert not [s for s in flat if s.startswith("UPDATE due_actions")]
    if dialect == "postgresql":
        lock = next(i for i, s in enumerate(flat) if "pg_advisory_xact_lock" in s)
        assert flat[lock + 1].startswith("SELECT audit_events.seq")
        assert lock + 2 == audit_inserts[0]
    with app.app_context():
        assert audit.verify_stored_chain().ok
