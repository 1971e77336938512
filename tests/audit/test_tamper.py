"""Tampering with the stored trail is refused (PostgreSQL) and, when forced, detected."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.audit.helpers import append_events, is_postgres, tamper
from triage.extensions import db
from triage.services import audit
from triage.services.db_roles import apply_grants, grant_statements

pytestmark = pytest.mark.usefixtures("app_ctx")


def _needs_postgres() -> None:
    if not is_postgres():
        pytest.skip("PostgreSQL only: SQLite has no triggers for this table and no roles")


def test_an_intact_chain_verifies():
    events = append_events(5)
    report = audit.verify_stored_chain()
    assert report.ok and report.events == events[-1].seq
    assert report.head_hash == events[-1].hash


def test_altered_details_are_named_at_their_sequence_number():
    events = append_events(5)
    target = events[2].seq
    tamper("UPDATE audit_events SET details = :d WHERE seq = :s", d='{"n": 99}', s=target)
    report = audit.verify_stored_chain()
    assert not report.ok
    assert report.first_bad_seq == target
    assert report.problem == "event content was altered"


def test_every_event_names_its_chain_version():
    events = append_events(2)
    assert {event.chain_version for event in events} == {audit.CHAIN_VERSION}


def test_an_altered_chain_version_is_named_at_its_sequence_number():
    events = append_events(3)
    target = events[1].seq
    tamper("UPDATE audit_events SET chain_version = 99 WHERE seq = :s", s=target)
    db.session.expire_all()
    report = audit.verify_stored_chain()
    assert not report.ok
    assert report.first_bad_seq == target
    assert report.problem == "unknown chain version"


def test_a_new_hash_function_leaves_older_events_verifiable(monkeypatch):
    """A second chain version verifies beside the first: events keep the function they were
    chained with."""
    append_events(2)
    monkeypatch.setitem(audit.CHAIN_HASHES, 2, lambda prev, event: "2" + prev[1:])
    monkeypatch.setattr(audit, "CHAIN_VERSION", 2)
    newer = append_events(2)
    assert {event.chain_version for event in newer} == {2}
    assert audit.verify_stored_chain().ok


def test_a_deleted_middle_event_shows_as_a_gap_at_its_sequence_number():
    events = append_events(5)
    target = events[2].seq
    tamper("DELETE FROM audit_events WHERE seq = :s", s=target)
    report = audit.verify_stored_chain()
    assert not report.ok
    assert report.first_bad_seq == target
    assert report.problem == "sequence gap or reorder"


def test_reordered_events_are_detected():
    events = append_events(5)
    a, b = events[1].seq, events[2].seq
    tamper("UPDATE audit_events SET seq = -1 WHERE seq = :a", a=a)
    tamper("UPDATE audit_events SET seq = :a WHERE seq = :b", a=a, b=b)
    tamper("UPDATE audit_events SET seq = :b WHERE seq = -1", b=b)
    report = audit.verify_stored_chain()
    assert not report.ok
    assert report.first_bad_seq == a


def test_the_trigger_refuses_update_delete_and_truncate_even_for_the_owner():
    _needs_postgres()
    append_events(2)
    for sql in (
        "UPDATE audit_events SET reason = 'x'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ):
        with pytest.raises(DBAPIError, match="append-only"), db.session.begin_nested():
            db.session.execute(text(sql))
    assert audit.verify_stored_chain().ok


def test_the_app_role_may_only_select_and_insert_on_the_audit_table():
    _needs_postgres()
    append_events(1)
    role = "triage_app_test_" + uuid.uuid4().hex[:8]
    # Roles are cluster-wide, but CREATE ROLE is transactional: the per-test rollback drops it.
    db.session.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))
    apply_grants(db.session.connection(), role)
    db.session.execute(text(f'SET LOCAL ROLE "{role}"'))
    try:
        append_events(1)  # INSERT (and the id sequence) allowed
        assert db.session.scalar(text("SELECT count(*) FROM audit_events")) >= 2
        for sql in (
            "UPDATE audit_events SET reason = 'x'",
            "DELETE FROM audit_events",
            "TRUNCATE audit_events",
        ):
            with pytest.raises(DBAPIError, match="permission denied"), db.session.begin_nested():
                db.session.execute(text(sql))
        # The rest of the data stays writable for the app.
        db.session.execute(text("UPDATE persons SET match_name = match_name"))
    finally:
        db.session.execute(text("RESET ROLE"))
    assert audit.verify_stored_chain().ok


def test_grant_statements_keep_audit_to_select_and_insert():
    statements = grant_statements(
        "triage_app", ["audit_events", "referrals"], ["audit_events_id_seq"]
    )
    assert 'GRANT SELECT, INSERT ON TABLE "audit_events" TO "triage_app"' in statements
    assert 'REVOKE ALL ON TABLE "audit_events" FROM "triage_app"' in statements
    assert not any("UPDATE" in s and "audit_events" in s for s in statements)
    with pytest.raises(ValueError):
        grant_statements("app; DROP TABLE x", [], [])


def test_db_roles_command_grants_the_app_role(app):
    runner = app.test_cli_runner()
    with app.app_context():
        if not is_postgres():
            result = runner.invoke(args=["triage", "db-roles", "--app-role", "triage_app"])
            assert result.exit_code == 1 and "PostgreSQL only" in result.output
            return
        role = "triage_app_cli_" + uuid.uuid4().hex[:8]
        db.session.execute(text(f'CREATE ROLE "{role}" NOLOGIN'))  # rolled back after the test
        result = runner.invoke(args=["triage", "db-roles", "--app-role", role])
        assert result.exit_code == 0, result.output
        assert f'GRANT SELECT, INSERT ON TABLE "audit_events" TO "{role}";' in result.output

        def allowed(privilege: str) -> bool:
            query = text("SELECT has_table_privilege(:r, 'audit_events', :p)")
            return db.session.scalar(query, {"r": role, "p": privilege})

        assert allowed("SELECT") and allowed("INSERT")
        assert not allowed("UPDATE") and not allowed("DELETE") and not allowed("TRUNCATE")
        bad = runner.invoke(args=["triage", "db-roles", "--app-role", "Robert'); DROP"])
        assert bad.exit_code == 1 and "lower-case" in bad.output
