"""Referral data for the intake tests: a valid referral that each test changes a little."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

NOW = datetime(2026, 5, 5, 10, 0, tzinfo=UTC)  # a Tuesday, London summer time

BASE: dict[str, Any] = {
    "source_agency": "police",
    "referrer_name": "PC Jo Bloggs",
    "referrer_contact": "jo.bloggs@police.example",
    "received_at": datetime(2026, 5, 5, 8, 30, tzinfo=UTC),
    "victim": {
        "first_name": "Amira",
        "last_name": "Khan",
        "date_of_birth": date(1991, 4, 12),
        "postcode": "e15 1aa",
        "gender": "female",
        "address": "1 Example Road",
        "racially_minoritised": True,
        "lgbt": None,
        "disabled": False,
    },
    "perpetrator": {
        "first_name": "Daniel",
        "last_name": "Reed",
        "date_of_birth": date(1988, 9, 3),
        "postcode": "E15 2BB",
        "gender": "male",
    },
    "children_in_household": 2,
    "dash": {n: "no" for n in range(1, 25)},
    "police_callouts_12m": 0,
    "professional_judgement": False,
    "professional_judgement_reason": "",
    "victim_needs": [],
    "perpetrator_management": [],
    "detail": "Neighbour called police after hearing shouting.",
    "dash_completed_by": "PC Jo Bloggs",
    "dash_completed_on": date(2026, 5, 5),
    "consent_basis": "consent",
}


def referral_data(yes: int = 0, **overrides: Any) -> dict[str, Any]:
    """A valid referral with the first `yes` Dash questions answered yes."""
    data = copy.deepcopy(BASE)
    for n in range(1, yes + 1):
        data["dash"][n] = "yes"
    for key, value in overrides.items():
        if key in ("victim", "perpetrator") and isinstance(value, dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return data


def facts_of(data: dict[str, Any], last_marac_referral_at=None) -> dict[str, Any]:
    """The facts the rule engine should be given for `data`."""
    return {
        "dash": data["dash"],
        "police_callouts_12m": data["police_callouts_12m"],
        "professional_judgement": data["professional_judgement"],
        "professional_judgement_reason": data["professional_judgement_reason"],
        "victim_needs": data["victim_needs"],
        "perpetrator_management": data["perpetrator_management"],
        "received_at": data["received_at"],
        "last_marac_referral_at": last_marac_referral_at,
    }
