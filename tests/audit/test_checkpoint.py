"""Signed checkpoints of the chain head: written to file, log and system_state; verify-audit
checks the chain against them, so a cut-off tail or a rewritten chain is found."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest

from tests.audit.helpers import ACTOR, NOW, append_events, tamper
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent
from triage.services import audit, audit_checkpoint, system_state


@pytest.fixture
def checkpoint_file(app, tmp_path, monkeypatch):
    path = tmp_path / "checkpoints.jsonl"
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PATH", str(path))
    return path


@pytest.fixture
def cli(app):
    def run(*args: str):
        return app.test_cli_runner().invoke(args=["triage", *args])

    return run


def test_a_checkpoint_goes_to_the_file_the_log_and_system_state(app_ctx, checkpoint_file, caplog):
    events = append_events(3)
    with caplog.at_level(logging.INFO, logger="triage.services.audit_checkpoint"):
        checkpoint = audit_checkpoint.write_checkpoint(NOW, settings=app_settings())
    assert (checkpoint.seq, checkpoint.hash) == (events[-1].seq, events[-1].hash)
    line = json.loads(checkpoint_file.read_text().splitlines()[-1])
    assert line == checkpoint.as_dict()
    assert system_state.get("audit_checkpoint").value == checkpoint.as_dict()
    assert f"seq={checkpoint.seq} hash={checkpoint.hash}" in caplog.text
    assert audit_checkpoint.signature_valid(checkpoint, key=app_settings().audit_checkpoint_key)
    report = audit_checkpoint.verify_with_checkpoints(settings=app_settings())
    assert report.ok and report.checkpoints == 1


def test_the_file_is_appended_to_never_rewritten(app_ctx, checkpoint_file):
    append_events(1)
    audit_checkpoint.write_checkpoint(NOW, settings=app_settings())
    append_events(2)
    audit_checkpoint.write_checkpoint(NOW + timedelta(hours=1), settings=app_settings())
    seqs = [json.loads(line)["seq"] for line in checkpoint_file.read_text().splitlines()]
    assert seqs == sorted(seqs) and len(seqs) == 2 and seqs[0] < seqs[1]
    assert audit_checkpoint.verify_with_checkpoints(settings=app_settings()).ok


def test_a_truncated_tail_is_detected_through_the_checkpoint(app_ctx, checkpoint_file):
    events = append_events(5)
    audit_checkpoint.write_checkpoint(NOW, settings=app_settings())
    cut_from = events[3].seq
    tamper("DELETE FROM audit_events WHERE seq >= :s", s=cut_from)
    assert audit.verify_stored_chain().ok  # the chain alone cannot see it
    report = audit_checkpoint.verify_with_checkpoints(settings=app_settings())
    assert not report.ok
    assert report.first_bad_seq == cut_from
    assert "truncated" in report.problem


def test_a_rewritten_chain_is_detected_through_the_checkpoint(app_ctx, checkpoint_file):
    events = append_events(4)
    audit_checkpoint.write_checkpoint(NOW, settings=app_settings())
    # Rewrite the last event and recompute its hash: the chain itself is consistent again.
    last = events[-1]
    tamper("UPDATE audit_events SET details = :d WHERE seq = :s", d='{"n": 42}', s=last.seq)
    rewritten = db.session.get(AuditEvent, last.id)
    tamper(
        "UPDATE audit_events SET hash = :h WHERE seq = :s",
        h=audit.chain_hash(rewritten.prev_hash, rewritten),
        s=last.seq,
    )
    assert audit.verify_stored_chain().ok
    report = audit_checkpoint.verify_with_checkpoints(settings=app_settings())
    assert report.first_bad_seq == last.seq
    assert "rewritten" in report.problem


def test_a_forged_checkpoint_is_refused(app_ctx, checkpoint_file):
    append_events(2)
    checkpoint = audit_checkpoint.write_checkpoint(NOW, settings=app_settings())
    forged = {**checkpoint.as_dict(), "seq": checkpoint.seq - 1}
    with checkpoint_file.open("a") as handle:
        handle.write(json.dumps(forged) + "\n")
    report = audit_checkpoint.verify_with_checkpoints(settings=app_settings())
    assert not report.ok and "bad signature" in report.problem


def test_a_separate_checkpoint_key_is_used_when_configured(
    app, app_ctx, checkpoint_file, monkeypatch
):
    append_events(1)
    checkpoint = audit_checkpoint.write_checkpoint(NOW, settings=app_settings())
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_KEY", "another-key-for-checkpoints-only")
    assert not audit_checkpoint.signature_valid(checkpoint, key=app_settings().audit_checkpoint_key)


def test_verify_audit_command_names_the_first_bad_sequence(app, cli, checkpoint_file):
    with app.app_context():
        seqs = [event.seq for event in append_events(4)]
        db.session.commit()
        result = cli("audit-checkpoint")
        assert result.exit_code == 0, result.output
        assert f"sequence {seqs[-1]}" in result.output
        result = cli("verify-audit")
        assert result.exit_code == 0, result.output
        assert "intact" in result.output and "1 checkpoints agree" in result.output
        tamper("DELETE FROM audit_events WHERE seq = :s", s=seqs[-1])
        result = cli("verify-audit")
        assert result.exit_code == 1
        assert f"BROKEN at sequence {seqs[-1]}" in result.output
        tamper("UPDATE audit_events SET reason = 'edited' WHERE seq = :s", s=seqs[1])
        result = cli("verify-audit")
        assert result.exit_code == 1
        assert f"BROKEN at sequence {seqs[1]}: event content was altered" in result.output


def test_an_unreadable_checkpoint_file_fails_verification(app, app_ctx, cli, checkpoint_file):
    checkpoint_file.write_text("not json\n")
    result = cli("verify-audit")
    assert result.exit_code == 1
    assert "unreadable" in result.output


def test_each_checkpoint_ships_the_new_events_as_metadata_only_log_lines(
    app_ctx, checkpoint_file, caplog
):
    first = append_events(2)
    audit_checkpoint.write_checkpoint(NOW, settings=app_settings())
    later = audit.record(
        "referral.close", ACTOR, object_type="referral", object_id=5, reason="moved_away"
    )
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="triage.audit.events"):
        audit_checkpoint.write_checkpoint(NOW + timedelta(hours=1), settings=app_settings())
    lines = [r.getMessage() for r in caplog.records if r.name == "triage.audit.events"]
    assert lines == [
        f"audit event seq={later.seq} at={later.occurred_at.isoformat()} actor=system:test "
        f"action=referral.close object=referral:5 hash={later.hash}"
    ]
    assert "Leeds" not in caplog.text and all(f"seq={e.seq} " not in caplog.text for e in first)
