"""/readyz with the sweeper heartbeat, the operations page and the closure-day page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import time_machine

from tests.settings_support import app_settings
from tests.web.test_sign_in import csrf_token
from tests.workers.support import ACTOR, actions, audit_actions, live_scheduler, make_referral
from triage.extensions import db
from triage.models import ClosureDay, DueAction
from triage.services import calendar, due_action_plan, due_action_run, due_action_sweep, mail
from triage.timeutil import utcnow

RECEIVED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def _sweep_now(app) -> None:
    with app.app_context():
        due_action_sweep.sweep(utcnow(), settings=app_settings())
        db.session.commit()


def _failed_action(app) -> int:
    with app.app_context():
        referral = make_referral(RECEIVED)
        due_action_plan.plan_for_referral(
            referral, now=RECEIVED, actor=ACTOR, settings=app_settings()
        )
        row = actions(referral.id)["offer_escalation"]
        due_action_run.record_failure(
            row.id, "RuntimeError: drill", final=True, now=RECEIVED, actor=ACTOR
        )
        db.session.commit()
        return row.id


def test_readyz_is_red_until_the_sweeper_has_run(app, client, redis_client):
    live_scheduler(redis_client)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["sweeper"] == "failing"
    _sweep_now(app)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json["checks"] == {
        "database": "ok",
        "redis": "ok",
        "scheduler": "ok",
        "sweeper": "ok",
        "due_actions": "ok",
        "late_actions": "ok",
    }


def test_readyz_is_red_when_the_sweeper_heartbeat_is_stale(app, client, redis_client):
    _sweep_now(app)
    with time_machine.travel(utcnow() + timedelta(minutes=3, seconds=5)):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["sweeper"] == "failing"


def test_readyz_is_red_while_a_due_action_has_failed(app, client, redis_client):
    _sweep_now(app)
    _failed_action(app)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["due_actions"] == "failing"


def test_operations_page_shows_failures_and_the_outbox_and_retries(
    app, client, login_as, redis_client
):
    row_id = _failed_action(app)
    _sweep_now(app)
    with app.app_context():
        mail.queue_message(
            to_address="lead@example.test",
            subject="Referral R000042 is overdue",
            body="link",
            kind="offer_escalation",
            now=utcnow(),
        )
        db.session.commit()
    login_as("admin")
    page = client.get("/admin/operations")
    assert page.status_code == 200
    assert "RuntimeError: drill" in page.text
    assert "Referral R000042 is overdue" in page.text
    assert "deadlines" in page.text
    token = csrf_token(client, "/admin/operations")
    response = client.post(
        f"/admin/operations/due-actions/{row_id}/retry", data={"csrf_token": token}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(DueAction, row_id).status == "enqueued"
        assert len(audit_actions("due_action.retry_requested", row_id)) == 1


def test_operations_page_is_for_admins_only(client, login_as):
    login_as("screener")
    assert client.get("/admin/operations").status_code == 403


def test_closure_day_added_and_removed_through_the_page(app, client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/closure-days")
    response = client.post(
        "/admin/closure-days",
        data={"csrf_token": token, "day": ["24", "11", "2026"], "reason": "Council closure"},
    )
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(db.select(ClosureDay))
        assert row.day == date(2026, 11, 24)
        # Monday's referral is now due Wednesday, skipping the closed Tuesday.
        due = calendar.current_calendar(app_settings().calendar).offer_due(RECEIVED)
        assert due == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
        assert len(audit_actions("closure_day.add", row.id)) == 1
        closure_id = row.id
    page = client.get("/admin/closure-days")
    assert "Council closure" in page.text
    duplicate = client.post(
        "/admin/closure-days",
        data={"csrf_token": token, "day": ["24", "11", "2026"], "reason": "Again"},
    )
    assert duplicate.status_code == 200
    assert "already a closure day" in duplicate.text
    removed = client.post(f"/admin/closure-days/{closure_id}/remove", data={"csrf_token": token})
    assert removed.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(ClosureDay)) is None
        assert len(audit_actions("closure_day.remove", closure_id)) == 1


def test_closure_day_needs_a_reason(client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/closure-days")
    response = client.post(
        "/admin/closure-days",
        data={"csrf_token": token, "day": ["24", "11", "2026"], "reason": ""},
    )
    assert response.status_code == 200
    assert "Enter the reason for the closure" in response.text


def test_closure_days_page_needs_calendar_manage(client, login_as):
    login_as("screener")
    assert client.get("/admin/closure-days").status_code == 403


def test_closure_day_with_a_malformed_date_is_an_error_not_a_crash(client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/closure-days")
    for day in (["' OR 1=1 --"], ["31", "2", "2026"], []):
        response = client.post(
            "/admin/closure-days", data={"csrf_token": token, "day": day, "reason": "x"}
        )
        assert response.status_code == 200
        assert "There is a problem" in response.text
