"""Role x case for "My cases" and search: each role sees exactly the cases DOMAIN.md allows
it (VISIBLE, written independently of triage.permissions), and a role without the page's
capability is refused."""

from __future__ import annotations

import re

import pytest

from tests.security.support import VISIBLE, build_world, csrf_for
from triage.permissions.capabilities import ROLE_CAPABILITIES

ROLES = sorted(ROLE_CAPABILITIES)
# Whom "My cases" is for, and who may search (issue 9 item 6).
CASELOAD = {"idva", "screener", "s2s_lead"}
SEARCHERS = {"screener", "s2s_lead"}


def _refs(text: str) -> set[str]:
    body = text.split("<tbody", 1)[1] if "<tbody" in text else ""
    return set(re.findall(r">(R\d{6})<", body))


@pytest.mark.parametrize("role", ROLES)
def test_my_cases_per_role_and_case(app, client, login_as, role):
    world = build_world(app, role, login_as)
    page = client.get("/cases/")
    if role not in CASELOAD:
        assert page.status_code == 403
        return
    assert page.status_code == 200
    # Held: assigned to them; for an IDVA also the cases they referred.
    held = {"assigned"} | ({"own"} if role == "idva" else set())
    expected = {f"R{world.referrals[v]:06d}" for v in held & VISIBLE[role]}
    assert _refs(page.text) == expected


@pytest.mark.parametrize("role", ROLES)
def test_search_per_role_and_case(app, client, login_as, role):
    world = build_world(app, role, login_as)
    token = csrf_for(client)
    for variant, referral_id in world.referrals.items():
        reference = f"R{referral_id:06d}"
        data = {"kind": "reference", "q": reference, "csrf_token": token}
        page = client.post("/cases/search", data=data)
        if role not in SEARCHERS:
            assert page.status_code == 403, variant
            continue
        assert page.status_code == 200, variant
        exact = page.text.split("app-search-exact", 1)[1] if "app-search-exact" in page.text else ""
        found = reference in _refs(exact)
        assert found == (variant in VISIBLE[role]), f"{role} {variant}"
