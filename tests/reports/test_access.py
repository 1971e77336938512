"""Who reaches the reports: managers and S2S leads; nobody else, on the web or the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.reports.support import bearer
from triage.extensions import db
from triage.models import AuditEvent, User
from triage.permissions.capabilities import ROLE_CAPABILITIES
from triage.services import tokens

PAGES = ["/reports/", "/reports/timeliness", "/reports/marac", "/reports/safelives"]
API = ["/api/v1/reports/timeliness", "/api/v1/reports/marac"]
RANGE = {"from": "2026-03-23", "to": "2026-04-05"}


def _token(app, user_id: int) -> str:
    with app.app_context():
        token = tokens.create_token(db.session.get(User, user_id), "t")
        db.session.commit()
    return token


def test_report_view_is_held_by_managers_and_leads_only():
    holders = {role for role, caps in ROLE_CAPABILITIES.items() if "report.view" in caps}
    assert holders == {"manager", "s2s_lead"}


@pytest.mark.parametrize("role", ["manager", "s2s_lead"])
def test_managers_and_leads_reach_every_report(client, login_as, app, role):
    user = login_as(role)
    for page in PAGES:
        assert client.get(page).status_code == 200, page
    token = _token(app, user.id)
    for url in API:
        assert client.get(url, query_string=RANGE, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("role", ["referrer", "idva", "screener", "marac_coordinator", "admin"])
def test_other_roles_are_refused_and_the_refusal_audited(client, login_as, app, role):
    user = login_as(role)
    for page in PAGES:
        assert client.get(page).status_code == 403, page
    token = _token(app, user.id)
    for url in API:
        response = client.get(url, query_string=RANGE, headers=bearer(token))
        assert response.status_code == 403, url
        with app.app_context():
            event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
            assert event.action == "access.denied" and event.actor_id == str(user.id)


def test_no_token_is_401(client):
    assert client.get(API[0], query_string=RANGE).status_code == 401


def test_report_json_conforms_to_the_published_schemas(client, login_as, app):
    from openapi_schema_validator import OAS31Validator
    from openapi_spec_validator import validate as validate_spec

    from tests.reports import fixtures as fx
    from tests.reports import marac_fixtures as mx

    user = login_as("manager")
    with app.app_context():
        fx.build()
        mx.build()
        db.session.commit()
    token = _token(app, user.id)
    document = client.get("/api/v1/openapi.json").json
    validate_spec(document)
    for url, name in zip(API, ("TimelinessReport", "MaracReport"), strict=True):
        assert url.removeprefix("/api/v1") in document["paths"]
        body = client.get(url, query_string=RANGE, headers=bearer(token)).json
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER).validate(body)
    bad = client.get(API[0], query_string={"from": "x"}, headers=bearer(token)).json
    schema = {"$ref": "#/components/schemas/ValidationErrors", "components": document["components"]}
    OAS31Validator(schema).validate(bad)


def test_a_future_as_of_is_refused(client, login_as, app):
    user = login_as("manager")
    token = _token(app, user.id)
    future = {**RANGE, "as_of": "2999-01-01T00:00:00+00:00"}
    response = client.get(API[0], query_string=future, headers=bearer(token))
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "as_of"
    page = client.get("/reports/timeliness", query_string={"preset": "custom", **future})
    assert page.status_code == 200 and "not in the future" in page.text
