"""Shared set-up for the attack tests: every route of `app.url_map` (read at test time, so
routes added later are covered), a world of cases with known visibility per role, and
requests made the way a browser or an API client would make them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select

from tests.factories import make_user
from tests.marac_support import make_referral
from triage.extensions import db
from triage.models import AuditEvent, MaracListing, MaracMeeting
from triage.permissions.capabilities import MFA_STEP, capabilities_for
from triage.services import tokens
from triage.timeutil import utcnow

UNKNOWN_ID = 987_654_321
REFERRAL_ARGS = ("referral_id",)
# Capabilities that act on one case: for these, a case the user may not open must not exist.
CASE_CAPABILITIES = frozenset({"referral.view", "referral.screen", "offer.record"})
# Requests that end the session under test: exercised in their own tests.
SKIP = {("auth.sign_out", "POST")}


@dataclass
class Route:
    rule: str
    endpoint: str
    method: str
    access: str | None
    args: tuple[str, ...]

    @property
    def is_api(self) -> bool:
        return self.rule.startswith("/api/")


def routes(app) -> list[Route]:
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        access = getattr(app.view_functions[rule.endpoint], "access_rule", None)
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            if (rule.endpoint, method) in SKIP:
                continue
            found.append(Route(rule.rule, rule.endpoint, method, access, tuple(rule.arguments)))
    return sorted(found, key=lambda r: (r.method != "GET", r.rule))


@dataclass
class World:
    """The cases a user of one role may or may not open, and the ids to put in URLs."""

    user_id: int
    other_user_id: int
    referrals: dict[str, int] = field(default_factory=dict)  # variant -> id
    meeting_id: int = 0
    listing_id: int = 0
    token: str = ""


def build_world(app, role: str | tuple[str, ...], login_as) -> World:
    me = login_as(*((role,) if isinstance(role, str) else role))
    with app.app_context():
        other = make_user(roles=["referrer"])
        now = utcnow()
        own = make_referral(now - timedelta(hours=3))
        own.referrer_id = me.id
        assigned = make_referral(now - timedelta(hours=2))
        assigned.referrer_id = other.id
        assigned.assigned_idva_id = me.id
        listed = make_referral(now - timedelta(hours=1))
        listed.referrer_id = other.id
        others = make_referral(now - timedelta(minutes=30))
        others.referrer_id = other.id
        meeting = MaracMeeting(
            starts_at=now + timedelta(days=9), cutoff_at=now + timedelta(days=2), capacity=25
        )
        db.session.add(meeting)
        db.session.flush()
        listing = MaracListing(
            meeting_id=meeting.id, referral_id=listed.id, criteria=["visible_high_risk"]
        )
        db.session.add(listing)
        user = db.session.get(type(other), me.id)
        token = tokens.create_token(user, "matrix")
        db.session.commit()
        return World(
            user_id=me.id,
            other_user_id=other.id,
            referrals={
                "own": own.id,
                "assigned": assigned.id,
                "listed": listed.id,
                "other": others.id,
                "unknown": UNKNOWN_ID,
            },
            meeting_id=meeting.id,
            listing_id=listing.id,
            token=token,
        )


# Which cases each role may open, from DOMAIN.md ("who may see a case is decided per case"),
# written out here independently of triage.permissions.cases so that the two can disagree.
VISIBLE: dict[str, set[str]] = {
    "referrer": {"own"},
    "idva": {"own", "assigned"},
    "screener": {"own", "assigned", "listed", "other"},
    "s2s_lead": {"own", "assigned", "listed", "other"},
    "marac_coordinator": {"listed"},
    "manager": set(),
    "admin": set(),
}


def url_variants(route: Route, world: World) -> list[tuple[str, dict]]:
    """(variant name, URL values): one per case variant for case routes, else one."""
    values: dict = {}
    for arg in route.args:
        if arg == "meeting_id":
            values[arg] = world.meeting_id
        elif arg == "listing_id":
            values[arg] = world.listing_id
        elif arg == "user_id":
            values[arg] = world.other_user_id  # never the tester: reset-MFA would sign us out
        elif arg.endswith("_id"):
            values[arg] = UNKNOWN_ID
        else:
            values[arg] = "no-such-thing"
    if "referral_id" in route.args:
        return [(name, {**values, "referral_id": rid}) for name, rid in world.referrals.items()]
    return [("-", values)]


def build_url(route: Route, values: dict) -> str:
    url = route.rule
    for arg, value in values.items():
        url = re.sub(rf"<(?:[a-z]+:)?{arg}>", str(value), url)
    return url


def csrf_for(client) -> str:
    page = client.get("/account")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert match, "no CSRF token on /account"
    return match.group(1)


def request(client, route: Route, url: str, world: World, csrf: str | None):
    if route.is_api:
        headers = {"Authorization": f"Bearer {world.token}"}
        if route.method == "GET":
            return client.get(url, headers=headers)
        return client.post(url, json={}, headers=headers)
    if route.method == "GET":
        return client.get(url)
    data = {"csrf_token": csrf} if csrf else {}
    return client.post(url, data=data)


def last_audit(app) -> AuditEvent | None:
    with app.app_context():
        return db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id)))


def expected_to_hold(role: str, access: str | None) -> bool:
    return access is not None and access in capabilities_for([role]) and access != MFA_STEP
