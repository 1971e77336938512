"""Audit events are queued in the session and appended in one go just before the commit.

The chain lock is then held for that INSERT and the COMMIT only; events of a savepoint that
is rolled back are dropped with it; a read of the trail in the transaction sees them.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.api.test_query_count import counted
from tests.audit.helpers import ACTOR, append_events
from triage.extensions import db
from triage.models import AuditEvent
from triage.services import audit


def _actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_nothing_is_written_until_the_commit_or_a_read(app_ctx):
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    with counted(app_ctx) as (statements, _dialect):
        audit.record("test.queued", ACTOR, object_type="test", object_id=1)
    assert statements == []  # no lock, no head read, no INSERT yet
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1


@pytest.mark.usefixtures("app_ctx")
def test_a_rolled_back_savepoint_drops_its_events_and_keeps_the_others():
    audit.record("test.kept_before", ACTOR)
    savepoint = db.session.begin_nested()
    audit.record("test.dropped", ACTOR)
    inner = db.session.begin_nested()
    audit.record("test.dropped_inner", ACTOR)
    inner.commit()
    savepoint.rollback()
    released = db.session.begin_nested()
    audit.record("test.kept_released", ACTOR)
    released.commit()
    db.session.commit()
    actions = _actions()
    assert "test.dropped" not in actions and "test.dropped_inner" not in actions
    assert actions[-2:] == ["test.kept_before", "test.kept_released"]
    assert audit.verify_stored_chain().ok


@pytest.mark.usefixtures("app_ctx")
def test_a_rollback_drops_the_queue():
    append_events(1)
    db.session.commit()
    audit.record("test.rolled_back", ACTOR)
    db.session.rollback()
    audit.record("test.after", ACTOR)
    db.session.commit()
    actions = _actions()
    assert "test.rolled_back" not in actions and actions[-1] == "test.after"
    assert audit.verify_stored_chain().ok
