"""Cases built from DOMAIN.md (the board papers and SafeLives guidance), checked end to end
through the API: POST /api/v1/referrals stores them, POST /api/v1/assess scores them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import referral_payload
from triage.rules import assess


def yes_to(count: int, *, dont_know: int = 0) -> dict[str, str]:
    answers = {str(n): "yes" for n in range(1, count + 1)}
    answers |= {str(n): "dont_know" for n in range(count + 1, count + 1 + dont_know)}
    return answers


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


CASES = [
    pytest.param(
        {"dash": yes_to(14)},
        ("high", ["visible_high_risk"], False),
        id="14 yes: high risk, visible high risk",
    ),
    pytest.param(
        {
            "dash": yes_to(13),
            "professional_judgement": True,
            "professional_judgement_reason": "Escalating coercive control described by victim.",
        },
        ("high", ["professional_judgement"], False),
        id="13 yes + judgement: raised to high, professional judgement only",
    ),
    pytest.param(
        {"dash": yes_to(13)},
        ("medium", [], False),
        id="13 yes: medium, not MARAC",
    ),
    pytest.param(
        {"dash": yes_to(4), "police_callouts_12m": 3},
        ("standard", ["potential_escalation"], False),
        id="3 call-outs at score 4: potential escalation, risk level stays standard",
    ),
    pytest.param(
        {"dash": yes_to(4), "police_callouts_12m": 2},
        ("standard", [], False),
        id="2 call-outs: below the threshold",
    ),
    pytest.param(
        {"dash": yes_to(13, dont_know=5)},
        ("medium", [], False),
        id="don't know answers never count",
    ),
    pytest.param(
        {"dash": yes_to(2), "victim_needs": ["mental_health"], "perpetrator_management": ["mappa"]},
        ("standard", [], True),
        id="one need + MAPPA: MCIC",
    ),
    pytest.param(
        {
            "dash": yes_to(2),
            "victim_needs": ["mental_health"],
            "perpetrator_management": ["probation"],
        },
        ("standard", [], False),
        id="one need + probation only: not MCIC",
    ),
    pytest.param(
        {"dash": yes_to(2), "victim_needs": ["drugs", "aged_60_plus"]},
        ("standard", [], True),
        id="two needs: MCIC",
    ),
]


def _outcome(assessment: dict) -> tuple[str, list[str], bool]:
    return assessment["risk_level"], assessment["marac_criteria"], assessment["mcic"]


@pytest.mark.parametrize(("facts", "expected"), CASES)
def test_case_through_api_and_assess(client, api_user, facts, expected):
    user = api_user("idva")
    payload = referral_payload(**facts)
    created = client.post("/api/v1/referrals", json=payload, headers=user.headers)
    assert created.status_code == 201, created.json
    assert _outcome(created.json["assessment"]) == expected
    assert created.json["routing"]["pathway"] == ("complex_case" if expected[2] else "standard")
    assert created.json["routing"]["marac"] is bool(expected[1])

    assess_body = {"received_at": payload["received_at"], **facts}
    scored = client.post("/api/v1/assess", json=assess_body, headers=user.headers)
    assert scored.status_code == 200
    assert _outcome(scored.json) == expected
    assert scored.json == {**created.json["assessment"], "answered": scored.json["answered"]}

    direct = assess({**facts, "received_at": datetime.fromisoformat(payload["received_at"])})
    assert _outcome(direct.to_dict()) == expected


def test_repeat_eleven_months_after_a_marac_referral(client, api_user):
    """A new incident for the same pair within 12 months of the last MARAC referral is a
    repeat whatever its score; the same incident 13 months later is not."""
    user = api_user("idva")
    now = _now()
    first_at = now - timedelta(days=335)  # about 11 months ago
    first = referral_payload(
        dash=yes_to(15),
        received_at=first_at.isoformat(),
        dash_completed_on=first_at.date().isoformat(),
    )
    made = client.post("/api/v1/referrals", json=first, headers=user.headers)
    assert made.status_code == 201
    assert made.json["assessment"]["marac_criteria"] == ["visible_high_risk"]

    again = client.post(
        "/api/v1/referrals", json=referral_payload(dash=yes_to(3)), headers=user.headers
    )
    assert again.status_code == 201
    assert _outcome(again.json["assessment"]) == ("standard", ["repeat"], False)
    assert again.json["routing"]["repeat"] is True

    scored = client.post(
        "/api/v1/assess",
        json={
            "received_at": now.isoformat(),
            "dash": yes_to(3),
            "last_marac_referral_at": (now - timedelta(days=400)).isoformat(),
        },
        headers=user.headers,
    )
    assert _outcome(scored.json) == ("standard", [], False)
