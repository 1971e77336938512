"""Requests that must change nothing: a POST without its CSRF token (400, every table as it
was but for the one `csrf.failed` audit event, G14), and any GET by any role (only the
session's last activity and view events move)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.security.snapshot import changed, snapshot
from tests.security.support import build_url, build_world, routes, url_variants
from triage.extensions import db
from triage.models import AuditEvent
from triage.permissions.capabilities import ROLE_CAPABILITIES

ROLES = sorted(ROLE_CAPABILITIES)
# Audit events a read may add: views, disclosures (a print or export of what was shown) and
# refusals (never a change of data).
READ_EVENT = re.compile(r"(^access\.denied$|\.view$|\.view\.|\.print$|\.export$)")
_FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


def form_data(page_text: str) -> dict[str, list[str]]:
    """The values a browser would send for the forms on a page (good enough to pass
    validation of simple forms: hidden fields, pre-filled text, checked boxes)."""
    data: dict[str, list[str]] = {}
    for _tag, attrs in _FIELD.findall(page_text):
        found = dict(_ATTR.findall(attrs))
        name = found.get("name")
        if not name:
            continue
        kind = found.get("type", "text")
        if kind in ("checkbox", "radio") and "checked" not in attrs:
            continue
        data.setdefault(name, []).append(found.get("value", "x"))
    return data


def _max_audit_seq(app) -> int:
    with app.app_context():
        return db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc())) or 0


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, client, login_as):
    world = build_world(app, "admin", login_as)
    # One user with every role reaches every form (the world was built for the first login).
    login_as(*ROLES)
    problems = []
    posts = [r for r in routes(app) if r.method == "POST" and not r.is_api]
    posts.append(next(r for r in routes(app) if r.endpoint == "auth.sign_in"))
    for route in [*posts, _sign_out_route(app)]:
        for variant, values in url_variants(route, world):
            url = build_url(route, values)
            page = client.get(url) if _has_get(app, route) else None
            data = form_data(page.text) if page is not None and page.status_code == 200 else {}
            data.pop("csrf_token", None)
            before = snapshot(app, skip_tables=AUDIT)
            seq = _max_audit_seq(app)
            response = client.post(url, data=data)
            after = snapshot(app, skip_tables=AUDIT)
            where = f"POST {url} [{variant}] -> {response.status_code}"
            if response.status_code != 400:
                problems.append(f"{where}: expected 400 without a CSRF token")
            if changed(before, after):
                problems.append(f"{where}: changed {changed(before, after)}")
            events = _events_after(app, seq)
            expected = [("csrf.failed", {"endpoint": route.endpoint, "method": "POST"}, None)]
            if events != expected:
                problems.append(f"{where}: audit events {events}, expected {expected}")
    assert client.get("/").status_code == 200  # sign-out without a token did not sign out
    assert problems == [], "\n".join(problems)


AUDIT = frozenset({"audit_events"})


def _events_after(app, seq: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > seq)).all()
        return [(e.action, e.details, e.reason) for e in rows]


def _sign_out_route(app):
    from tests.security.support import Route

    return Route("/sign-out", "auth.sign_out", "POST", "account.self", ())


def _has_get(app, route) -> bool:
    return any(
        r.endpoint == route.endpoint and "GET" in (r.methods or ()) and r.rule == route.rule
        for r in app.url_map.iter_rules()
    )


def test_api_ignores_the_browser_cookie(app, client, login_as):
    login_as(*ROLES)
    before = snapshot(app)
    response = client.post("/api/v1/referrals", json={"source_agency": "police"})
    assert response.status_code in (400, 401)
    assert client.get("/api/v1/referrals/1").status_code == 401
    assert not changed(before, snapshot(app))


@pytest.mark.parametrize("role", ROLES)
def test_every_get_leaves_the_database_unchanged(app, client, login_as, role):
    world = build_world(app, role, login_as)
    client.get("/")  # the session's first touch is not the subject of this test
    problems = []
    gets = [r for r in routes(app) if r.method == "GET"]
    for route in gets:
        for variant, values in url_variants(route, world):
            url = build_url(route, values)
            before = snapshot(app, skip_tables=frozenset({"audit_events"}))
            seq = _max_audit_seq(app)
            if route.is_api:
                response = client.get(url, headers={"Authorization": f"Bearer {world.token}"})
            else:
                response = client.get(url)
            after = snapshot(app, skip_tables=frozenset({"audit_events"}))
            where = f"{role} GET {url} [{variant}] -> {response.status_code}"
            if changed(before, after):
                problems.append(f"{where}: changed {changed(before, after)}")
            with app.app_context():
                new_events = db.session.scalars(
                    select(AuditEvent.action).where(AuditEvent.seq > seq)
                ).all()
            writes = [a for a in new_events if not READ_EVENT.search(a)]
            if writes:
                problems.append(f"{where}: recorded {writes}")
    assert problems == [], "\n".join(problems)


def test_a_csrf_failure_is_audited_without_the_form_and_kept(app, client):
    """G14: the refused sign-in is rolled back, but its `csrf.failed` event is committed by
    the request boundary; the event names the endpoint and method, never what was typed."""
    seq = _max_audit_seq(app)
    response = client.post(
        "/sign-in", data={"email": "someone@example.test", "password": "Hunter2-secret-typed"}
    )
    assert response.status_code == 400
    events = _events_after(app, seq)
    assert events == [("csrf.failed", {"endpoint": "auth.sign_in", "method": "POST"}, None)]
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.seq > seq))
        stored = repr((event.details, event.reason, event.object_id))
        assert "someone@" not in stored and "Hunter2" not in stored
        assert event.actor_type == "anonymous"
