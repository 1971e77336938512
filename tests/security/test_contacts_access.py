"""Per-case access for the contact routes and the morning list and its exports: each role x
each case -> allowed, 403 (no capability) or 404 (a case the user may not open, answered like
an unknown id). Expectations are written out here, not derived from the code under test."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.security.support import build_world
from tests.web.test_sign_in import csrf_token
from triage.timeutil import utcnow

CASES = ("own", "assigned", "listed", "other", "unknown")
# Who may record a contact on which case (offer.record + the case visible to them).
RECORD = {
    "referrer": {},
    "idva": {"own": True, "assigned": True, "listed": False, "other": False, "unknown": False},
    "screener": {"own": True, "assigned": True, "listed": True, "other": True, "unknown": False},
    "s2s_lead": {"own": True, "assigned": True, "listed": True, "other": True, "unknown": False},
    "marac_coordinator": {},
    "manager": {},
    "admin": {},
}
LIST_ROLES = {"screener", "s2s_lead"}
LIST_PAGES = ("/screening/", "/screening/print", "/screening/export.csv")


def _body() -> dict:
    return {
        "made_at": (utcnow() - timedelta(minutes=1)).isoformat(),
        "method": "phone",
        "outcome": "no_contact",
    }


@pytest.mark.parametrize("role", sorted(RECORD))
def test_recording_a_contact_per_case(app, client, login_as, role):
    world = build_world(app, role, login_as)
    headers = {"Authorization": f"Bearer {world.token}"}
    for case in CASES:
        referral_id = world.referrals[case]
        expected = RECORD[role].get(case)
        page = client.get(f"/referrals/{referral_id}/contact")
        api = client.post(
            f"/api/v1/referrals/{referral_id}/contacts", json=_body(), headers=headers
        )
        if expected is None:
            assert (page.status_code, api.status_code) == (403, 403), (role, case)
        elif expected:
            assert (page.status_code, api.status_code) == (200, 201), (role, case, api.json)
            path = f"/referrals/{referral_id}/contact"
            assert (
                client.post(path, data={"csrf_token": csrf_token(client, path)}).status_code == 200
            )
        else:
            assert (page.status_code, api.status_code) == (404, 404), (role, case)


@pytest.mark.parametrize("role", sorted(RECORD))
def test_the_list_and_its_exports_per_role(app, client, login_as, role):
    world = build_world(app, role, login_as)
    headers = {"Authorization": f"Bearer {world.token}"}
    responses = [client.get(path) for path in LIST_PAGES]
    responses.append(client.get("/api/v1/screening", headers=headers))
    if role not in LIST_ROLES:
        assert [r.status_code for r in responses] == [403] * 4, role
        return
    assert [r.status_code for r in responses] == [200] * 4, role
    listed = {row["id"] for row in responses[-1].json["rows"]}
    # The screening team sees every waiting case (DOMAIN: the screening team screens them all).
    assert {world.referrals[c] for c in CASES if c != "unknown"} <= listed
