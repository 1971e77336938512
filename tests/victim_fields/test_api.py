"""The victim's equality codes and safe contact through the API: stored, validated with
every problem at once, published in the OpenAPI document, never echoed back."""

from __future__ import annotations

import re

from tests.api.conftest import referral_payload
from triage.extensions import db
from triage.models import Referral

VICTIM = {
    "first_name": "Jordan",
    "last_name": "Wells",
    "date_of_birth": "1991-06-14",
    "ethnicity": "black_african",
    "sexual_orientation": "bisexual",
    "disability": "prefer_not_to_say",
    "phone": "+44 20 7946 0000",
    "safe_to_call": False,
    "safe_to_write": True,
    "safe_times": "Not at weekends",
}


def test_created_with_codes_and_safe_contact(app, client, api_user):
    user = api_user("referrer")
    response = client.post(
        "/api/v1/referrals", json=referral_payload(victim=VICTIM), headers=user.headers
    )
    assert response.status_code == 201, response.json
    assert "phone" not in response.text and "7946" not in response.text
    with app.app_context():
        victim = db.session.get(Referral, response.json["id"]).victim_details
        assert (victim.ethnicity, victim.sexual_orientation, victim.disability) == (
            "black_african",
            "bisexual",
            "prefer_not_to_say",
        )
        assert (victim.racially_minoritised, victim.lgbt, victim.disabled) == (True, True, None)
        assert victim.phone == "+44 20 7946 0000"
        assert (victim.safe_to_call, victim.safe_to_leave_message, victim.safe_to_write) == (
            False,
            None,
            True,
        )
    # The referral body read back holds no safe-contact details.
    body = client.get(f"/api/v1/referrals/{response.json['id']}", headers=user.headers)
    assert body.status_code == 200
    assert "phone" not in body.json["victim"] and "7946" not in body.text


def test_every_problem_at_once_named_by_field(client, api_user):
    user = api_user("referrer")
    victim = {**VICTIM, "phone": "call me", "ethnicity": "british", "safe_to_call": "no"}
    response = client.post(
        "/api/v1/referrals", json=referral_payload(victim=victim), headers=user.headers
    )
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json["errors"]}
    assert set(fields) >= {"victim.phone", "victim.ethnicity", "victim.safe_to_call"}
    assert "UK phone number" in fields["victim.phone"]
    assert fields["victim.ethnicity"].startswith("Ethnic group")


def test_openapi_publishes_the_codes_and_the_phone_pattern(client):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    victim = schemas["Victim"]["properties"]
    ethnicity = next(o for o in victim["ethnicity"]["anyOf"] if "enum" in o)["enum"]
    assert "white_gypsy_traveller" in ethnicity and "prefer_not_to_say" in ethnicity
    assert len(ethnicity) == 20
    assert next(o for o in victim["sexual_orientation"]["anyOf"] if "enum" in o)["enum"] == [
        "heterosexual",
        "gay_lesbian",
        "bisexual",
        "other",
        "prefer_not_to_say",
    ]
    phone = next(o for o in victim["phone"]["anyOf"] if o.get("type") == "string")
    assert phone["maxLength"] == 40
    pattern = re.compile(victim["phone"]["pattern"])
    assert pattern.match("07700 900123") and not pattern.match("call me")
    # The perpetrator is a plain person: no safe contact, no equality codes.
    assert "phone" not in schemas["Person"]["properties"]
