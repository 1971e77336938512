"""POST /api/v1/referrals/{id}/contacts and GET /api/v1/screening: attempts keep a case on
the list, an offer takes it off; every problem at once; the list's order and states on a
frozen clock; the OpenAPI document's enums."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tests.marac_support import make_referral
from tests.screening.list_support import DUE_TEXT, NOW, ORDER, seed
from triage.extensions import db
from triage.services.offers import LATE_REASONS, METHODS, OUTCOMES
from triage.timeutil import utcnow


def _referral(app, hours_ago: float = 1.0, days_ago: float = 0.0) -> int:
    with app.app_context():
        referral = make_referral(utcnow() - timedelta(days=days_ago, hours=hours_ago))
        db.session.commit()
        return referral.id


def _post(client, user, referral_id, **body):
    return client.post(f"/api/v1/referrals/{referral_id}/contacts", json=body, headers=user.headers)


def _listed(client, user) -> dict[int, dict]:
    response = client.get("/api/v1/screening", headers=user.headers)
    assert response.status_code == 200, response.json
    return {row["id"]: row for row in response.json["rows"]}


def test_an_attempt_stays_on_the_list_and_an_offer_leaves_it(app, client, api_user):
    user = api_user("screener")
    referral_id = _referral(app)
    made = (utcnow() - timedelta(minutes=30)).isoformat()
    attempt = _post(client, user, referral_id, made_at=made, method="phone", outcome="no_contact")
    assert attempt.status_code == 201, attempt.json
    assert attempt.json["kind"] == "attempt" and attempt.json["on_morning_list"] is True
    assert attempt.json["referral_status"] == "received"
    row = _listed(client, user)[referral_id]
    assert (row["attempts"], row["contact"]) == (1, "attempted")
    offer = _post(
        client, user, referral_id, made_at=made, method="in_person", outcome="accepted", notes=" "
    )
    assert offer.status_code == 201, offer.json
    assert offer.json["kind"] == "offer" and offer.json["on_morning_list"] is False
    assert offer.json["on_time"] is True and offer.json["lateness_reason"] is None
    assert referral_id not in _listed(client, user)


def test_every_problem_is_reported_at_once_and_nothing_is_stored(app, client, api_user):
    user = api_user("screener")
    referral_id = _referral(app)
    response = _post(
        client, user, referral_id, made_at="yesterday", method="pigeon", notes=5, colour="red"
    )
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.json["errors"]}
    assert set(fields) == {"made_at", "method", "outcome", "notes", "colour"}
    assert fields["method"].startswith("must be one of: phone")
    assert fields["colour"] == "is not a known field"
    future = _post(
        client,
        user,
        referral_id,
        made_at=(utcnow() + timedelta(hours=1)).isoformat(),
        method="phone",
        outcome="accepted",
        notes="x" * 2001,
    )
    assert {e["field"] for e in future.json["errors"]} == {"made_at", "notes"}
    assert referral_id in _listed(client, user)
    with app.app_context():
        from triage.models import Offer

        assert db.session.scalar(db.select(db.func.count(Offer.id))) == 0


def test_a_late_offer_needs_a_reason_a_late_attempt_does_not(app, client, api_user):
    user = api_user("screener")
    referral_id = _referral(app, days_ago=6)
    made = (utcnow() - timedelta(minutes=5)).isoformat()
    late = _post(client, user, referral_id, made_at=made, method="phone", outcome="declined")
    assert late.status_code == 422
    assert [e["field"] for e in late.json["errors"]] == ["lateness_reason"]
    other = _post(
        client,
        user,
        referral_id,
        made_at=made,
        method="phone",
        outcome="declined",
        lateness_reason="other",
    )
    assert [e["field"] for e in other.json["errors"]] == ["lateness_detail"]
    attempt = _post(client, user, referral_id, made_at=made, method="phone", outcome="no_contact")
    assert attempt.status_code == 201 and attempt.json["lateness_reason"] is None
    assert attempt.json["on_time"] is False
    offer = _post(
        client,
        user,
        referral_id,
        made_at=made,
        method="phone",
        outcome="declined",
        lateness_reason="not_contactable",
    )
    assert offer.status_code == 201 and offer.json["lateness_reason"] == "not_contactable"


def test_the_list_in_its_order_with_each_rows_state_on_a_frozen_clock(app, client, api_user):
    with app.app_context():
        data = seed()
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        user = api_user("screener")
        response = client.get("/api/v1/screening?day=2026-05-26", headers=user.headers)
        tomorrow = client.get("/api/v1/screening?day=2026-05-27", headers=user.headers)
        past = client.get("/api/v1/screening?day=2026-05-25", headers=user.headers)
        odd = client.get(
            "/api/v1/screening?day=26/05/2026&status=lost&colour=red", headers=user.headers
        )
    assert response.status_code == 200
    body = response.json
    assert body["day"] == "2026-05-26"
    assert [row["reference"] for row in body["rows"]] == [data.refs[k] for k in ORDER]
    by_ref = {row["reference"]: row for row in body["rows"]}
    assert {k: by_ref[data.refs[k]]["due_text"] for k in ORDER} == DUE_TEXT
    assert by_ref[data.refs["attempted"]]["attempts"] == 1
    assert by_ref[data.refs["friday"]]["owner"]["name"] == "Sam Owner"
    assert by_ref[data.refs["friday"]]["state"] == "today"
    assert body["counts"] == {
        "overdue": 2,
        "today": 2,
        "later": 1,
        "attempted": 1,
        "not_contacted": 4,
    }
    # Tomorrow's meeting, at 09:00: today's "due today" cases are overdue by then.
    later = {row["reference"]: row["state"] for row in tomorrow.json["rows"]}
    assert later[data.refs["friday"]] == "overdue" and later[data.refs["today"]] == "today"
    assert tomorrow.json["as_of"].startswith("2026-05-27T08:00:00")
    assert past.status_code == 422 and past.json["errors"][0]["field"] == "day"
    assert {e["field"] for e in odd.json["errors"]} == {"day", "status", "colour"}


def test_the_openapi_document_lists_the_routes_with_enums(client):
    document = client.get("/api/v1/openapi.json").json
    assert "post" in document["paths"]["/referrals/{id}/contacts"]
    assert "get" in document["paths"]["/screening"]
    schema = document["components"]["schemas"]["ContactCreate"]
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"made_at", "method", "outcome"}
    props = schema["properties"]
    assert props["method"]["enum"] == list(METHODS)
    assert props["outcome"]["enum"] == list(OUTCOMES)
    reason = props["lateness_reason"]["anyOf"][0]
    assert reason["enum"] == list(LATE_REASONS)
    row = document["components"]["schemas"]["MorningListRow"]["properties"]
    assert row["state"]["enum"] == ["overdue", "today", "later"]
