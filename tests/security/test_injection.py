"""Stored XSS and SQL injection, across every page and every form the app has.

XSS: payloads are stored in every free-text field (through the services, as a user would
store them), then every page that could show them is rendered: the payload appears only
escaped, and no link ever carries a `javascript:` URL.

SQL injection: every field of every form on every page (filters, searches, and the rest),
and the JSON API, get classic injection strings: no server error, nothing deleted, and
searches and filters change nothing at all.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from sqlalchemy import func, select

from tests.intake_support import referral_data
from tests.security.snapshot import changed, snapshot
from tests.security.support import build_url, build_world, routes, url_variants
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import (
    ClosureDay,
    MaracListing,
    MaracMeeting,
    Person,
    Referral,
    User,
)
from triage.permissions.capabilities import ROLE_CAPABILITIES
from triage.services import accounts
from triage.services.actor import Actor
from triage.services.referral_creation import create_referral
from triage.timeutil import utcnow

ROLES = tuple(sorted(ROLE_CAPABILITIES))
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
XSS = f"Xss{SCRIPT}{IMG}"

SQLI = [
    "' OR '1'='1",
    "1; DROP TABLE referrals; --",
    "' UNION SELECT password_hash, email FROM users --",
    "%' OR 1=1 --",
    '" OR ""="',
    "1)) OR ((1=1",
    "'; UPDATE users SET active=false; --",
]
# POST forms that only read (searches, exports, replays): they must change nothing at all.
READ_ONLY_POSTS = {"audit_admin.search", "lifecycle.subject_access", "rulesets.replay"}


def _store_payloads(app, user_id: int) -> dict[str, int]:
    """Every free-text field a person can type, holding a payload."""
    with app.app_context():
        me = db.session.get(User, user_id)
        actor = Actor.for_user(me)
        now = utcnow()
        data = referral_data(
            yes=15,
            referrer_name=f"PC {XSS}",
            referrer_contact=JS_URL,
            police_reference=f"REF{IMG}"[:50],
            victim={"first_name": f"Amy{SCRIPT}", "last_name": f"Lee{IMG}", "address": XSS},
            perpetrator={"first_name": f"Dan{SCRIPT}", "last_name": f"Ray{IMG}"},
            detail=f"{XSS} {JS_URL}",
            dash_completed_by=XSS,
            dash_details={1: XSS, 2: JS_URL},
            professional_judgement=True,
            professional_judgement_reason=XSS,
            received_at=now - timedelta(hours=1),
        )
        referral = create_referral(data, actor=actor, now=now, settings=app_settings()).referral
        referral.assigned_idva_id = me.id
        other = accounts.create_user(
            email="xss.person@example.test",
            name=f"Eve{XSS}",
            agency=f"Agency{IMG}",
            roles=["referrer"],
            password="long-enough-but-odd-password",
            actor=actor,
            now=now,
        )
        meeting = MaracMeeting(
            starts_at=now + timedelta(days=10),
            cutoff_at=now + timedelta(days=3),
            capacity=25,
            note=XSS,
        )
        db.session.add(meeting)
        db.session.flush()
        listing = MaracListing(
            meeting_id=meeting.id,
            referral_id=referral.id,
            criteria=["visible_high_risk"],
            move_reason=XSS,
        )
        db.session.add(listing)
        db.session.add(ClosureDay(day=(now + timedelta(days=40)).date(), reason=XSS))
        db.session.commit()
        return {
            "referral": referral.id,
            "user": other.id,
            "meeting": meeting.id,
            "listing": listing.id,
        }


def _pages(app, client, world):
    """(url, response) for every GET route, case routes pointed at the payload case."""
    for route in routes(app):
        if route.method != "GET":
            continue
        for _variant, values in url_variants(route, world)[:1]:
            url = build_url(route, values)
            headers = {"Authorization": f"Bearer {world.token}"} if route.is_api else {}
            yield route, url, client.get(url, headers=headers)


def test_stored_xss_payloads_render_inert(app, client, login_as):
    world = build_world(app, ROLES, login_as)
    ids = _store_payloads(app, world.user_id)
    world.referrals = {"payload": ids["referral"]}
    world.meeting_id, world.listing_id = ids["meeting"], ids["listing"]
    world.other_user_id = ids["user"]
    problems, escaped_on = [], []
    for route, url, response in _pages(app, client, world):
        body = response.get_data(as_text=True)
        if response.mimetype == "text/csv":
            # A download, never rendered: text as typed (formula-neutralised), not HTML.
            if not response.headers.get("Content-Disposition", "").startswith("attachment"):
                problems.append(f"{url}: CSV served inline")
            if response.headers.get("X-Content-Type-Options") != "nosniff":
                problems.append(f"{url}: CSV without nosniff")
            continue
        if route.is_api or response.mimetype == "application/json":
            if response.mimetype != "application/json":
                problems.append(f"{url}: API answered {response.mimetype}")
            continue
        for raw in (SCRIPT, "<img src=x onerror"):
            if raw in body:
                problems.append(f"{url}: raw payload {raw!r} in the page")
        if re.search(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", body, re.I):
            problems.append(f"{url}: a javascript: URL became a link")
        if "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "&#34;&gt;&lt;img" in body:
            escaped_on.append(url)
    # The payloads really were on the pages that show them (else this test proves nothing).
    for endpoint, page in (
        ("referral.show", f"/referrals/{ids['referral']}"),
        ("admin.user", f"/admin/users/{ids['user']}"),
        ("admin.users", "/admin/users"),
        ("marac.agenda", f"/marac/meetings/{ids['meeting']}"),
    ):
        if endpoint in app.view_functions and page not in escaped_on:
            problems.append(f"{page}: payload not shown escaped (was it rendered at all?)")
    assert escaped_on, "no page showed an escaped payload"
    assert problems == [], "\n".join(problems)


_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)
_OPTION = re.compile(r'<option\b[^>]*value="([^"]*)"', re.I)
_ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def _forms(page_url: str, body: str):
    """(method, action, {name: [values]}, text field names) for each form on a page."""
    for attrs, inner in _FORM.findall(body):
        form_attrs = dict(_ATTR.findall(attrs))
        method = form_attrs.get("method", "get").upper()
        action = unescape(form_attrs.get("action") or page_url)
        data: dict[str, list[str]] = {}
        text_fields = set()
        for tag, field_attrs in _FIELD.findall(inner):
            found = dict(_ATTR.findall(field_attrs))
            name = found.get("name")
            kind = found.get("type", "text").lower()
            if not name or kind in ("submit", "button", "file"):
                continue
            if kind in ("checkbox", "radio") and "checked" not in field_attrs:
                data.setdefault(name, [])
                continue
            data.setdefault(name, []).append(unescape(found.get("value", "")))
            if name != "csrf_token" and (
                tag.lower() == "textarea"
                or kind in ("text", "search", "password", "email", "number", "hidden")
            ):
                text_fields.add(name)
        yield method, action, data, text_fields


def _counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
            for model in (User, Referral, Person, MaracListing, MaracMeeting)
        }


def test_sql_injection_in_every_form_field_changes_nothing(app, client, login_as):
    world = build_world(app, ROLES, login_as)
    baseline = _counts(app)
    problems, submitted = [], 0
    for _route, url, response in _pages(app, client, world):
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        for method, action, data, text_fields in _forms(url, response.get_data(as_text=True)):
            if action.endswith("/sign-out"):
                continue
            endpoint = _endpoint(app, action, method)
            for payload in SQLI:
                for every_field in (False, True):
                    sent = {k: list(v) for k, v in data.items()}
                    for name in sent:
                        if name == "csrf_token":
                            continue
                        if name in text_fields or every_field:
                            sent[name] = [payload]
                    read_only = method == "GET" or endpoint in READ_ONLY_POSTS
                    before = snapshot(app, skip_tables=frozenset({"audit_events"}))
                    try:
                        if method == "GET":
                            answer = client.get(action, query_string=sent)
                        else:
                            answer = client.post(action, data=sent)
                    except Exception as exc:  # TESTING propagates what would be a 500
                        problems.append(f"{method} {action} {payload!r}: {exc!r}")
                        continue
                    submitted += 1
                    if answer.status_code >= 500:
                        problems.append(f"{method} {action} {payload!r}: {answer.status_code}")
                    if read_only:
                        moved = changed(
                            before, snapshot(app, skip_tables=frozenset({"audit_events"}))
                        )
                        if moved:
                            problems.append(f"{method} {action} {payload!r}: changed {moved}")
    after = _counts(app)
    for table, count in baseline.items():
        if after[table] < count:
            problems.append(f"{table}: rows went from {count} to {after[table]}")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User).where(User.active)) >= 1
    assert client.get("/").status_code == 200
    assert submitted > 50, f"only {submitted} injected submissions: the page walk found few forms"
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems[:60])


def _endpoint(app, action: str, method: str) -> str | None:
    adapter = app.url_map.bind("triage.test")
    try:
        endpoint, _args = adapter.match(action.split("?")[0], method=method)
    except Exception:  # an action outside the app: nothing to name
        return None
    return endpoint


def test_sql_injection_through_the_api_changes_nothing(app, client, login_as):
    world = build_world(app, ROLES, login_as)
    headers = {"Authorization": f"Bearer {world.token}"}
    for payload in SQLI:
        before = snapshot(app, skip_tables=frozenset({"audit_events"}))
        body = referral_data(yes=2)
        body = {key: payload for key in body}
        response = client.post("/api/v1/referrals", json=body, headers=headers)
        assert response.status_code in (400, 422), (payload, response.status_code)
        assessed = client.post("/api/v1/assess", json={"dash": payload}, headers=headers)
        assert assessed.status_code in (400, 422), (payload, assessed.status_code)
        assert not changed(before, snapshot(app, skip_tables=frozenset({"audit_events"})))
