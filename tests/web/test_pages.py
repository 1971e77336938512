"""Every role reaches its home page; errors and headers reveal nothing."""

from __future__ import annotations

import pytest

from tests.settings_support import app_settings
from triage.models import ROLES


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_its_home_page(login_as, client, role):
    login_as(role)
    response = client.get("/")
    assert response.status_code == 200
    assert "Your cases and tasks" in response.text
    assert "Sign out" in response.text


def test_security_headers(login_as, client):
    login_as("idva")
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_inline_script_carries_the_nonce(client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'<script nonce="{nonce}">' in response.text


def test_not_found_page_reveals_nothing(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "Traceback" not in response.text


def test_forbidden_is_refused_and_audited(app, login_as, client):
    from sqlalchemy import select

    from triage.extensions import db
    from triage.models import AuditEvent

    user = login_as("referrer")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "Administrator" not in response.text
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()))
        assert event.action == "access.denied"
        assert event.actor_id == str(user.id)
        assert event.details["capability"] == "user.manage"


def test_admin_sees_the_user_list(login_as, client):
    admin = login_as("admin")
    response = client.get("/admin/users")
    assert response.status_code == 200
    assert admin.email in response.text


def test_health_checks(app, client, redis_client):
    assert client.get("/healthz").json == {"status": "ok"}
    from tests.workers.support import live_scheduler
    from triage.extensions import db
    from triage.services import due_action_sweep
    from triage.timeutil import utcnow

    with app.app_context():  # /readyz also wants a recent sweeper heartbeat (issue 4)
        due_action_sweep.sweep(utcnow(), settings=app_settings())
        db.session.commit()
    live_scheduler(redis_client)  # ... and a live RQ scheduler (issue 12)
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json["checks"] == {
        "database": "ok",
        "redis": "ok",
        "scheduler": "ok",
        "sweeper": "ok",
        "due_actions": "ok",
        "late_actions": "ok",
    }
