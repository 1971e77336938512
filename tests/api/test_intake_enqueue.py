"""A new referral's due actions are written `enqueued` in the intake's own transaction and
handed to Redis after the commit with no further statement (issue 11 item 3). That relies on
the sweeper: an `enqueued` row whose Redis job never arrived (Redis down at the commit) or
was lost later (flushed) must get its job back at the next sweep."""

from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import select

from tests.api.conftest import referral_payload
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import DueAction
from triage.services import due_action_queue, due_action_sweep
from triage.services.due_action_queue import LIVE_JOB_STATUSES, job_id_for, job_statuses
from triage.timeutil import utcnow


def _rows(app, referral_id: int) -> list[DueAction]:
    with app.app_context():
        query = select(DueAction).where(DueAction.referral_id == referral_id)
        return list(db.session.scalars(query.order_by(DueAction.id)))


def _live(redis_client, rows: list[DueAction]) -> list[bool]:
    statuses = job_statuses(redis_client, [job_id_for(row.key) for row in rows])
    return [status in LIVE_JOB_STATUSES for status in statuses]


def test_rows_are_enqueued_with_the_referral_and_their_jobs_follow_the_commit(
    app, client, api_user, redis_client
):
    user = api_user("referrer")
    response = client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)
    assert response.status_code == 201
    rows = _rows(app, response.json["id"])
    assert rows and {row.status for row in rows} == {"enqueued"}
    assert all(row.enqueued_at is not None and row.attempts == 0 for row in rows)
    assert all(_live(redis_client, rows))


def test_redis_down_at_the_commit_then_the_sweeper_schedules_the_rows(
    app, client, api_user, redis_client, monkeypatch
):
    def down(*_args, **_kwargs):
        raise RedisConnectionError("Redis is down (drill)")

    user = api_user("referrer")
    monkeypatch.setattr(due_action_queue, "job_statuses", down)
    response = client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)
    monkeypatch.undo()
    assert response.status_code == 201  # the referral and its deadlines are stored anyway
    rows = _rows(app, response.json["id"])
    assert {row.status for row in rows} == {"enqueued"}
    assert not any(_live(redis_client, rows))  # Redis never got them

    with app.app_context():
        report = due_action_sweep.sweep(utcnow(), settings=app_settings())
        db.session.commit()
    assert report.requeued == len(rows)
    assert all(_live(redis_client, rows))
    assert {row.attempts for row in _rows(app, response.json["id"])} == {1}

    redis_client.flushdb()  # and lost again later: the next sweep restores them once more
    with app.app_context():
        assert due_action_sweep.sweep(utcnow(), settings=app_settings()).requeued == len(rows)
        db.session.commit()
    assert all(_live(redis_client, rows))
