"""POST /api/v1/referrals/{id}/screening: the same rules as the form, 422 with every
problem, 409 on a stale version (with the current one), 404 for an unknown case, 403 without
referral.screen; and the OpenAPI document with enums for every code."""

from __future__ import annotations

from tests.factories import make_user
from tests.screening.support import referral
from triage.api import openapi
from triage.extensions import db
from triage.models import Referral
from triage.models.referral import SOURCE_AGENCIES
from triage.models.screening import ROUTES


def _case(app, yes: int = 15) -> tuple[int, int]:
    with app.app_context():
        case = referral(yes=yes)
        owner = make_user(roles=["idva"])
        db.session.commit()
        return case.id, owner.id


def _url(case_id: int) -> str:
    return f"/api/v1/referrals/{case_id}/screening"


def test_a_decision_then_a_revision_then_a_stale_one(app, client, api_user):
    screener = api_user("screener")
    case_id, owner_id = _case(app)
    body = {"based_on_version": 0, "route": "idva", "owner_id": owner_id, "agencies": ["police"]}
    first = client.post(_url(case_id), json=body, headers=screener.headers)
    assert first.status_code == 201, first.json
    assert first.json["decision"]["version"] == 1
    assert first.json["decision"]["agencies"] == ["police"]
    revised = client.post(
        _url(case_id),
        json={**body, "based_on_version": 1, "route": "s2s_offer", "notes": "Offer by phone"},
        headers=screener.headers,
    )
    assert revised.status_code == 201 and revised.json["decision"]["version"] == 2
    stale = client.post(_url(case_id), json=body, headers=screener.headers)
    assert stale.status_code == 409
    assert stale.json["current_version"] == 2
    assert stale.json["current"]["route"] == "s2s_offer"
    with app.app_context():
        assert db.session.get(Referral, case_id).assigned_idva_id == owner_id


def test_every_problem_is_listed_with_422(app, client, api_user):
    screener = api_user("screener")
    case_id, owner_id = _case(app, yes=3)
    bad = client.post(
        _url(case_id),
        json={
            "based_on_version": "0",
            "route": "teleport",
            "owner_id": owner_id,
            "agencies": ["police", "nowhere"],
            "admin": True,
        },
        headers=screener.headers,
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json["errors"]}
    assert {"based_on_version", "route", "admin"} <= fields
    assert any(f.startswith("agencies") for f in fields)
    rules = client.post(
        _url(case_id),
        json={
            "based_on_version": 0,
            "route": "no_further_action",
            "owner_id": owner_id,
            "raise_risk": True,
        },
        headers=screener.headers,
    )
    assert rules.status_code == 422
    assert {e["field"] for e in rules.json["errors"]} == {"no_action_reason", "judgement_reason"}
    marac = client.post(
        _url(case_id),
        json={"based_on_version": 0, "route": "marac", "owner_id": owner_id},
        headers=screener.headers,
    )
    assert marac.status_code == 422 and marac.json["errors"][0]["field"] == "route"


def test_raise_by_judgement_through_the_api(app, client, api_user):
    lead = api_user("s2s_lead")
    case_id, owner_id = _case(app, yes=4)
    raised = client.post(
        _url(case_id),
        json={
            "based_on_version": 0,
            "route": "marac",
            "owner_id": owner_id,
            "raise_risk": True,
            "judgement_reason": "Strangulation disclosed after the referral",
        },
        headers=lead.headers,
    )
    assert raised.status_code == 201, raised.json
    assert raised.json["risk_level"] == "high" and raised.json["marac"] is True
    assert "professional_judgement" in raised.json["marac_criteria"]
    assert raised.json["decision"]["risk_before"] == "standard"


def test_unknown_case_is_404_and_other_roles_are_403(app, client, api_user):
    screener = api_user("screener")
    case_id, owner_id = _case(app)
    body = {"based_on_version": 0, "route": "idva", "owner_id": owner_id}
    assert client.post(_url(987654321), json=body, headers=screener.headers).status_code == 404
    for role in ("referrer", "idva", "marac_coordinator", "manager"):
        other = api_user(role)
        assert client.post(_url(case_id), json=body, headers=other.headers).status_code == 403


def test_the_openapi_document_describes_the_route_with_every_code():
    document = openapi.document()
    operation = document["paths"]["/referrals/{id}/screening"]["post"]
    assert set(operation["responses"]) >= {"201", "404", "409", "422"}
    schemas = document["components"]["schemas"]
    request = schemas["ScreeningDecisionRequest"]["properties"]
    assert request["route"]["enum"] == list(ROUTES)
    assert request["agencies"]["items"]["enum"] == list(SOURCE_AGENCIES)
    assert schemas["ScreeningDecisionRequest"]["additionalProperties"] is False
    assert schemas["StaleScreeningDecision"]["properties"]["current_version"]["type"] == "integer"
