"""Through the API: text with control characters or bidirectional overrides, dates outside
1900-2100, future dates and too-long text are field errors (422 naming the field), never a
500, and never stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.api.conftest import referral_payload
from triage.extensions import db
from triage.models import Referral


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Referral))


def post(client, user, payload):
    return client.post("/api/v1/referrals", json=payload, headers=user.headers)


def errors_of(response) -> dict[str, str]:
    assert response.status_code == 422, response.text
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


def victim(**changes) -> dict:
    return {**referral_payload()["victim"], **changes}


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"victim": victim(first_name="Jor\x00dan")},
            "victim.first_name",
            None,  # a NUL is refused before parsing (triage/web/limits.py)
        ),
        (
            {"victim": victim(first_name="Jor\x07dan")},
            "victim.first_name",
            "The victim's first name must not contain control characters",
        ),
        (
            {"victim": victim(last_name="Wells\u0085")},
            "victim.last_name",
            "The victim's last name must not contain control characters",
        ),
        (
            {"victim": victim(first_name="Jordan\nWells")},
            "victim.first_name",
            "The victim's first name must not contain control characters",
        ),
        (
            {"victim": victim(first_name="\u202enadroJ")},
            "victim.first_name",
            "The victim's first name must not contain right-to-left or left-to-right "
            "override characters",
        ),
        (
            {"victim": victim(last_name="Wells\u2066x\u2069")},
            "victim.last_name",
            "The victim's last name must not contain right-to-left or left-to-right "
            "override characters",
        ),
        (
            {"referrer_name": "PC\x1bDana"},
            "referrer_name",
            "Referrer's name must not contain control characters",
        ),
        (
            {"police_reference": "MPS\x7f1"},
            "police_reference",
            "Police reference must not contain control characters",
        ),
        (
            {"detail": "Shouting heard\x0b"},
            "detail",
            "Detail of the incident must not contain control characters",
        ),
        (
            {"victim": victim(address="1 High St\x1f")},
            "victim.address",
            "Address must not contain control characters",
        ),
    ],
)
def test_control_and_override_characters_are_field_errors(
    app, client, api_user, changes, field, message
):
    user = api_user("idva")
    errors = errors_of(post(client, user, referral_payload(**changes)))
    assert field in errors
    if message is not None:
        assert errors[field] == message
    assert stored(app) == 0


def test_newlines_and_tabs_are_kept_in_multi_line_text(app, client, api_user):
    user = api_user("idva")
    payload = referral_payload(
        detail="Neighbour called.\r\n\tShouting heard.",
        victim=victim(address="Flat 2\n1 High Street", first_name="Zo\u00eb \u0141ucja"),
    )
    response = post(client, user, payload)
    assert response.status_code == 201, response.text
    body = client.get(f"/api/v1/referrals/{response.get_json()['id']}", headers=user.headers)
    assert body.get_json()["detail"] == "Neighbour called.\r\n\tShouting heard."
    assert body.get_json()["victim"]["first_name"] == "Zo\u00eb \u0141ucja"  # accents are fine


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"received_at": "0001-01-01T00:00:00+01:00"}, "received_at"),
        ({"received_at": "9999-12-31T23:59:59+00:00"}, "received_at"),
        ({"received_at": "1899-12-31T23:59:59Z"}, "received_at"),
        ({"dash_completed_on": "0001-01-01"}, "dash_completed_on"),
        ({"dash_completed_on": "2101-01-01"}, "dash_completed_on"),
        ({"victim": victim(date_of_birth="0001-01-01")}, "victim.date_of_birth"),
        ({"victim": victim(date_of_birth="1899-12-31")}, "victim.date_of_birth"),
        ({"victim": victim(date_of_birth="9999-12-31")}, "victim.date_of_birth"),
    ],
)
def test_dates_outside_1900_to_2100_are_field_errors(app, client, api_user, changes, field):
    user = api_user("idva")
    errors = errors_of(post(client, user, referral_payload(**changes)))
    assert field in errors
    assert "1900" in errors[field]
    assert stored(app) == 0


def test_a_date_of_birth_in_the_future_is_an_error(app, client, api_user):
    user = api_user("idva")
    born = (datetime.now(UTC) + timedelta(days=30)).date().isoformat()
    errors = errors_of(post(client, user, referral_payload(victim=victim(date_of_birth=born))))
    assert errors["victim.date_of_birth"] == "Date of birth must be in the past"


def test_received_in_the_future_beyond_the_clock_allowance(app, client, api_user, monkeypatch):
    user = api_user("idva")
    now = datetime.now(UTC).replace(microsecond=0)
    ahead = (now + timedelta(minutes=10)).isoformat()
    errors = errors_of(post(client, user, referral_payload(received_at=ahead)))
    assert errors["received_at"] == "Date and time received must not be in the future"
    # Within the allowance (a sender's clock a little fast) it is taken as now.
    slightly = (now + timedelta(minutes=2)).isoformat()
    response = post(client, user, referral_payload(received_at=slightly, police_reference="P-1"))
    assert response.status_code == 201, response.text
    with app.app_context():
        referral = db.session.get(Referral, response.get_json()["id"])
        assert referral.received_at <= datetime.now(UTC)
    # The allowance is configuration.
    monkeypatch.setitem(app.config, "RECEIVED_CLOCK_SKEW", timedelta(minutes=15))
    response = post(client, user, referral_payload(received_at=ahead, police_reference="P-2"))
    assert response.status_code == 201, response.text
    monkeypatch.setitem(app.config, "RECEIVED_CLOCK_SKEW", timedelta(0))
    errors = errors_of(post(client, user, referral_payload(received_at=slightly)))
    assert "received_at" in errors


def test_a_checklist_date_in_the_future_is_an_error(app, client, api_user):
    user = api_user("idva")
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date().isoformat()
    errors = errors_of(post(client, user, referral_payload(dash_completed_on=tomorrow)))
    assert errors["dash_completed_on"] == "Date the checklist was done must not be in the future"


def test_a_date_time_needs_seconds_as_the_published_format_says(app, client, api_user):
    user = api_user("idva")
    received = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M+00:00")
    errors = errors_of(post(client, user, referral_payload(received_at=received)))
    assert errors["received_at"].startswith("Date and time received must be a date and time")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"victim": victim(first_name="A" * 101)},
            "victim.first_name",
            "The victim's first name must be 100 characters or fewer",
        ),
        (
            {"referrer_name": "R" * 201},
            "referrer_name",
            "Referrer's name must be 200 characters or fewer",
        ),
        (
            {"police_reference": "P" * 51},
            "police_reference",
            "Police reference must be 50 characters or fewer",
        ),
        (
            # Counted as sent, before trimming (as JSON Schema's maxLength counts).
            {"victim": victim(last_name="W" * 100 + " ")},
            "victim.last_name",
            "The victim's last name must be 100 characters or fewer",
        ),
    ],
)
def test_too_long_messages_name_the_field(app, client, api_user, changes, field, message):
    user = api_user("idva")
    errors = errors_of(post(client, user, referral_payload(**changes)))
    assert errors[field] == message


@pytest.mark.parametrize(
    "changes",
    [
        {"received_at": "0001-01-01T00:00:00+01:00"},
        {"received_at": "9999-12-31T23:59:59+00:00"},
        {
            "received_at": "2026-05-03T09:30:00+01:00",
            "last_marac_referral_at": "0001-01-01T00:00:00Z",
        },
        {
            "received_at": "2026-05-03T09:30:00+01:00",
            "last_marac_referral_at": "9999-01-01T00:00:00+14:00",
        },
    ],
)
def test_assess_answers_422_for_dates_out_of_range(client, api_user, changes):
    user = api_user("idva")
    response = client.post("/api/v1/assess", json={"dash": {}, **changes}, headers=user.headers)
    errors = errors_of(response)
    assert set(errors) == set(changes) - {"received_at"} or "received_at" in errors
    for field, value in changes.items():
        if not value.startswith("2026"):
            assert "1900" in errors[field]


def test_a_repeated_non_ascii_police_reference_is_a_field_error_not_a_crash(client, api_user):
    """SQLite's lower() folds ASCII only: the exact value must be caught too."""
    user = api_user("referrer")
    first = client.post(
        "/api/v1/referrals", json=referral_payload(police_reference="Ǆ-77"), headers=user.headers
    )
    assert first.status_code == 201, first.text
    again = client.post(
        "/api/v1/referrals", json=referral_payload(police_reference="Ǆ-77"), headers=user.headers
    )
    assert again.status_code == 422
    fields = [e["field"] for e in again.get_json()["errors"]]
    assert fields == ["police_reference"]
