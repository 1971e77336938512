"""Role x route x case: every endpoint in app.url_map, for every role, with the user's own
case, someone else's, a case listed at MARAC, and an id that does not exist.

- A role without the endpoint's capability is refused (403; the API too), and the refusal
  is in the audit trail with the capability it lacked.
- A role with it never gets a 403 or a server error.
- On a case route, a case the user may not open answers 404 exactly like an unknown id, and
  both leave an `access.denied` event naming the case.
"""

from __future__ import annotations

import pytest

from tests.security.support import (
    CASE_CAPABILITIES,
    VISIBLE,
    build_url,
    build_world,
    csrf_for,
    expected_to_hold,
    last_audit,
    request,
    routes,
    url_variants,
)
from triage.permissions.capabilities import MFA_STEP, ROLE_CAPABILITIES

ROLES = sorted(ROLE_CAPABILITIES)


def _check_denial_audited(app, problems, where, user_id, endpoint, object_id=None):
    event = last_audit(app)
    if event is None or event.action != "access.denied" or event.actor_id != str(user_id):
        problems.append(f"{where}: refusal not audited (last event: {event and event.action})")
        return
    if event.details.get("endpoint") != endpoint:
        problems.append(f"{where}: audited refusal names {event.details.get('endpoint')}")
    if object_id is not None and event.object_id != str(object_id):
        problems.append(f"{where}: audited refusal names object {event.object_id}")


@pytest.mark.parametrize("role", ROLES)
def test_role_route_case_matrix(app, client, login_as, role):
    world = build_world(app, role, login_as)
    csrf = csrf_for(client)
    problems: list[str] = []
    checked = 0
    for route in routes(app):
        holds = expected_to_hold(role, route.access)
        for variant, values in url_variants(route, world):
            url = build_url(route, values)
            checked += 1
            try:
                response = request(client, route, url, world, csrf)
            except Exception as exc:  # TESTING propagates what would be a 500
                problems.append(f"{role} {route.method} {url}: server error {exc!r}")
                continue
            status = response.status_code
            where = f"{role} {route.method} {route.rule} [{variant}] -> {status}"
            if status >= 500 and not (route.endpoint == "ops.readyz" and status == 503):
                problems.append(f"{where}: server error")  # (503 = "not ready": an answer)
                continue
            if route.access == "public":
                if status in (401, 403):
                    problems.append(f"{where}: public route refused")
                continue
            if route.access == MFA_STEP:
                if status != 302 or response.headers["Location"] != "/":
                    problems.append(f"{where}: signed-in user not sent home from the MFA step")
                continue
            if not holds:
                if status != 403:
                    problems.append(f"{where}: expected 403 without {route.access}")
                else:
                    _check_denial_audited(app, problems, where, world.user_id, route.endpoint)
                continue
            if status in (401, 403):
                problems.append(f"{where}: refused although the role holds {route.access}")
                continue
            if "referral_id" in values and route.access in CASE_CAPABILITIES:
                visible = variant in VISIBLE[role]
                if visible and status == 404:
                    problems.append(f"{where}: own/visible case not found")
                elif not visible:
                    if status != 404:
                        problems.append(f"{where}: case the user may not open was not a 404")
                    else:
                        _check_denial_audited(
                            app,
                            problems,
                            where,
                            world.user_id,
                            route.endpoint,
                            values["referral_id"],
                        )
    # The session survived the whole walk (nothing above signed us out by accident).
    assert client.get("/").status_code == 200
    assert checked > 40, "the url_map walk found suspiciously few routes"
    assert problems == [], f"{len(problems)} problems:\n" + "\n".join(problems)


def test_not_found_and_forbidden_cases_look_alike(app, client, login_as):
    """The body of a refusal is byte-for-byte the page of a case that does not exist."""
    world = build_world(app, "referrer", login_as)
    forbidden = client.get(f"/referrals/{world.referrals['other']}")
    unknown = client.get(f"/referrals/{world.referrals['unknown']}")
    assert forbidden.status_code == unknown.status_code == 404

    def _strip(text: str) -> str:
        import re

        return re.sub(r'(nonce|value)="[^"]+"', "", text)

    assert _strip(forbidden.text) == _strip(unknown.text)
    api_forbidden = client.get(
        f"/api/v1/referrals/{world.referrals['other']}",
        headers={"Authorization": f"Bearer {world.token}"},
    )
    api_unknown = client.get(
        f"/api/v1/referrals/{world.referrals['unknown']}",
        headers={"Authorization": f"Bearer {world.token}"},
    )
    assert api_forbidden.status_code == api_unknown.status_code == 404
    assert api_forbidden.json == api_unknown.json


def test_lists_never_show_a_case_the_reader_may_not_open(app, client, login_as):
    """Every list page, for a referrer: only their own case's reference appears."""
    from triage.extensions import db
    from triage.models import Referral

    world = build_world(app, "referrer", login_as)
    with app.app_context():
        refs = {
            name: db.session.get(Referral, rid).reference
            for name, rid in world.referrals.items()
            if name != "unknown"
        }
    for path in ("/", "/screening/", "/marac/"):
        page = client.get(path)
        if page.status_code != 200:
            continue
        for name, reference in refs.items():
            if name != "own":
                assert reference not in page.text, f"{path} shows the {name} case"
