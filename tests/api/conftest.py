"""API test helpers: a user with a bearer token, and a valid referral payload."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.factories import make_user
from triage.extensions import db
from triage.services.tokens import create_token

VALID_REFERRAL: dict = {
    "source_agency": "police",
    "referrer_name": "PC Dana Holt",
    "referrer_contact": "dana.holt@police.example",
    "police_reference": None,
    "received_at": None,  # filled in: an hour ago
    "victim": {
        "first_name": "Jordan",
        "last_name": "Wells",
        "date_of_birth": "1991-06-14",
        "postcode": "e15 1aa",
        "gender": "female",
    },
    "perpetrator": {"first_name": "Casey", "last_name": "Wells", "date_of_birth": "1988-02-02"},
    "children_in_household": 2,
    "dash": {"1": "yes", "2": "yes", "3": "no", "4": "dont_know"},
    "dash_details": {"1": "Bruising to the arm"},
    "dash_completed_by": "PC Dana Holt",
    "dash_completed_on": None,  # filled in: the day received
    "police_callouts_12m": 1,
    "professional_judgement": False,
    "victim_needs": ["alcohol"],
    "perpetrator_management": [],
    "detail": "Neighbour called police after shouting was heard.",
    "consent_basis": "consent",
}


def referral_payload(**changes) -> dict:
    payload = copy.deepcopy(VALID_REFERRAL)
    received = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    payload["received_at"] = received.isoformat()
    payload["dash_completed_on"] = received.date().isoformat()
    payload.update(changes)
    return payload


@pytest.fixture
def api_user(app) -> Callable[..., SimpleNamespace]:
    """`api_user("referrer")` -> namespace with .id, .token, .headers."""

    def _make(*roles: str) -> SimpleNamespace:
        with app.app_context():
            user = make_user(roles=list(roles) or ["referrer"])
            token = create_token(user, "test")
            db.session.commit()
            return SimpleNamespace(
                id=user.id, token=token, headers={"Authorization": f"Bearer {token}"}
            )

    return _make
