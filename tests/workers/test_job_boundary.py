"""The job boundary: one commit per job, a rollback when it raises, after-commit steps after."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from triage.extensions import db
from triage.models import SystemState
from triage.services import system_state
from workers.context import job_transaction


def _stored(key: str) -> SystemState | None:
    db.session.expire_all()
    return db.session.scalar(select(SystemState).where(SystemState.key == key))


def test_a_job_that_returns_is_committed_then_its_after_commit_steps_run(app_ctx, monkeypatch):
    seen = []
    commit = db.session.commit

    def counted_commit() -> None:
        seen.append("commit")
        commit()

    monkeypatch.setattr(db.session, "commit", counted_commit)
    with job_transaction() as job:
        system_state.put("boundary-ok", {"n": 1}, now=job.now)
        job.after_commit(lambda: seen.append("step"))
        assert seen == []  # nothing commits inside the job
    # One commit for the job, then the step, then the step's own commit.
    assert seen == ["commit", "step", "commit"]
    assert _stored("boundary-ok").value == {"n": 1}


def test_a_job_that_raises_is_rolled_back_and_its_after_commit_steps_never_run(app_ctx):
    seen = []
    with pytest.raises(RuntimeError), job_transaction() as job:
        system_state.put("boundary-failed", {"n": 1}, now=job.now)
        job.after_commit(lambda: seen.append("ran"))
        raise RuntimeError("the service refused")
    assert seen == []
    assert _stored("boundary-failed") is None


def test_a_failing_after_commit_step_is_logged_and_does_not_undo_the_job(app_ctx, caplog):
    def broken() -> None:
        system_state.put("boundary-step", {"n": 2}, now=job.now)
        raise OSError("redis is down")

    with caplog.at_level(logging.ERROR, logger="workers.context"), job_transaction() as job:
        system_state.put("boundary-kept", {"n": 1}, now=job.now)
        job.after_commit(broken)
    assert _stored("boundary-kept").value == {"n": 1}
    assert _stored("boundary-step") is None  # the step's own writes were rolled back
    assert "after-commit step of a job failed" in caplog.text


def test_the_job_gets_the_settings_of_the_app(app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_YEARS_AFTER_CLOSURE", 3)
    with job_transaction() as job:
        assert job.settings.retention_years == 3
        assert job.now.tzinfo is not None
