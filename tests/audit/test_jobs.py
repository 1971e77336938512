"""The periodic jobs: an hourly audit checkpoint and a daily purge, declared in the schedule."""

from __future__ import annotations

import json

from tests.audit.helpers import ACTOR, append_events, make_referral
from tests.settings_support import app_settings
from triage.extensions import db
from triage.services import lifecycle
from workers import jobs
from workers.schedule import PERIODIC_JOBS


def test_checkpoint_and_purge_are_scheduled():
    by_id = {job.id: job for job in PERIODIC_JOBS}
    assert by_id["audit-checkpoint"].func is jobs.write_audit_checkpoint
    assert by_id["audit-checkpoint"].cron == "7 * * * *"  # hourly
    assert by_id["purge-expired"].func is jobs.purge_expired_records
    assert by_id["purge-expired"].cron == "30 3 * * *"  # daily


def test_checkpoint_job_writes_a_signed_checkpoint(app, app_ctx, tmp_path, monkeypatch):
    path = tmp_path / "cp.jsonl"
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PATH", str(path))
    events = append_events(3)
    result = jobs.write_audit_checkpoint()
    assert result["seq"] == events[-1].seq and result["hash"] == events[-1].hash
    assert json.loads(path.read_text()) == result


def test_purge_job_erases_what_is_past_retention(app_ctx):
    referral = make_referral()
    lifecycle.close_referral(
        referral.id,
        reason="support_completed",
        actor=ACTOR,
        now=_long_ago(),
        years=app_settings().retention_years,
    )
    db.session.commit()
    result = jobs.purge_expired_records()
    assert result["referrals"] == 1 and result["persons"] == 2
    db.session.refresh(referral)
    assert referral.detail is None


def _long_ago():
    from datetime import UTC, datetime, timedelta

    return datetime.now(UTC) - timedelta(days=366 * 7)
