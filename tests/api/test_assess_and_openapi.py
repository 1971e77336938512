"""POST /api/v1/assess stores nothing; the OpenAPI document covers every route honestly."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.api.conftest import referral_payload
from triage.api import openapi
from triage.extensions import db
from triage.field_validation import check_shape
from triage.models import AuditEvent, Person, Referral
from triage.referral_input import ReferralCreate


def table_counts(app) -> tuple[int, ...]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(model))
            for model in (Referral, Person, AuditEvent)
        )


def test_assess_scores_without_storing_anything(app, client, api_user):
    user = api_user("referrer")
    before = table_counts(app)
    response = client.post(
        "/api/v1/assess",
        json={"received_at": "2026-05-03T09:30:00+01:00", "dash": {"1": "yes", "15": "yes"}},
        headers=user.headers,
    )
    assert response.status_code == 200
    assert response.json["score"] == 2
    assert response.json["ruleset_version"] == "2026.1-dash"
    assert table_counts(app) == before


def test_assess_errors(client, api_user):
    user = api_user("referrer")
    response = client.post(
        "/api/v1/assess",
        json={"dash": {"1": "yes"}, "victim_needs": ["unicorns"], "police_callouts_12m": None},
        headers=user.headers,
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json["errors"]}
    assert fields == {"received_at", "police_callouts_12m"}
    # Codes are the rule set's, checked by the engine once the shape is right.
    response = client.post(
        "/api/v1/assess",
        json={"received_at": "2026-05-03T09:30:00Z", "victim_needs": ["unicorns"]},
        headers=user.headers,
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["victim_needs[0]"]


def test_assess_needs_a_capability(client, api_user):
    manager = api_user("manager")
    response = client.post(
        "/api/v1/assess", json={"received_at": "2026-05-03T09:30:00Z"}, headers=manager.headers
    )
    assert response.status_code == 403
    assert client.post("/api/v1/assess", json={}).status_code == 401


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "{" + m.group(1) + "}", rule)


def test_every_api_route_is_documented(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"] == "3.1.0"
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = _openapi_path(rule.rule.removeprefix("/api/v1")).replace("{referral_id}", "{id}")
        routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented


def test_every_operation_documents_its_error_responses(client):
    document = client.get("/api/v1/openapi.json").json
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path == "/openapi.json":
                continue
            assert "401" in operation["responses"] and "403" in operation["responses"], path
            if method == "post":
                assert "422" in operation["responses"]
            if "{id}" in path:
                assert "404" in operation["responses"]


def test_the_example_validates_and_mistakes_do_not():
    # The one definition of the input (pydantic), which the published schema is made from.
    value, errors = check_shape(ReferralCreate, referral_payload())
    assert errors == []
    assert value["victim"]["date_of_birth"].isoformat() == "1991-06-14"
    _, errors = check_shape(ReferralCreate, referral_payload(victim={"first_name": "A"}))
    assert errors == [{"field": "victim.last_name", "message": "is required"}]
    _, errors = check_shape(ReferralCreate, referral_payload(children_in_household=True))
    assert errors == [{"field": "children_in_household", "message": "must be a whole number"}]


def test_document_is_valid_openapi_31_and_responses_conform(client, api_user):
    from openapi_schema_validator import OAS31Validator
    from openapi_spec_validator import validate as validate_spec

    document = client.get("/api/v1/openapi.json").json
    validate_spec(document)  # raises if the document is not valid OpenAPI 3.1

    def check(body, name):
        schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
        OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER).validate(body)

    user = api_user("referrer")
    check(referral_payload(), "ReferralCreate")
    created = client.post("/api/v1/referrals", json=referral_payload(), headers=user.headers)
    check(created.json, "ReferralCreated")
    check(
        client.get(f"/api/v1/referrals/{created.json['id']}", headers=user.headers).json, "Referral"
    )
    check(client.post("/api/v1/referrals", json={}, headers=user.headers).json, "ValidationErrors")
    check(client.get("/api/v1/referrals/1").json, "Error")


SAMPLE_VALUES = [
    *([], {"1": []}, 12, True, "2026-02-30", "", " ", "x" * 300, None, 0, -1, 31, 1.5),
    *("E15 1AA", "e151aa", "2026-05-03T09:30:00+01:00", "2026-05-03T09:30:00", "1991-06-14"),
    *(["alcohol"], ["a", "a"], {"1": "yes"}, {"99": "x"}, {"x": "yes"}, "police", "female"),
    # Issue 12: control characters, overrides, years out of range, no seconds, 2.0.
    *("Jor\x07dan", "\u202eX", "a\nb", "\x85", "\ufeff", "0001-01-01", "9999-12-31T23:59:59Z"),
    *("2026-05-03T09:30+01:00", 2.0, {"25": "yes"}, ["unicorns"], "1899-12-31"),
]


def test_what_the_published_schema_accepts_the_server_accepts(app_ctx):
    """Schema-valid means accepted: the published request schemas and the server (the
    intake service's whole check for a referral, the shape and the engine for /assess)
    agree on every sample value in every field."""
    from datetime import UTC, datetime

    from openapi_schema_validator import OAS31Validator

    from triage.referral_input import AssessRequest
    from triage.rules import InvalidFacts, assess, default_ruleset
    from triage.services.intake_validation import IntakeInvalid, check_referral
    from triage.services.person_details import Viewer

    def validator(name):
        schema = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": schemas}}
        return OAS31Validator(schema, format_checker=OAS31Validator.FORMAT_CHECKER)

    def accepted(model, body) -> bool:
        if model is ReferralCreate:
            try:
                check_referral(
                    body, ruleset=ruleset, now=now, viewer=Viewer(None), shape=ReferralCreate
                )
            except IntakeInvalid:
                return False
            return True
        facts, errors = check_shape(AssessRequest, body)
        if errors:
            return False
        try:
            assess(facts, ruleset)
        except InvalidFacts:
            return False
        return True

    ruleset, now = default_ruleset(), datetime.now(UTC)
    schemas = openapi.schemas()
    cases = []
    for value in SAMPLE_VALUES:
        for name in schemas["ReferralCreate"]["properties"]:
            # A checklist done before any sample "received" (a rule between two dates,
            # which the document states in words, not in JSON Schema).
            before = {"dash_completed_on": "2026-05-01"} if name == "received_at" else {}
            cases.append((ReferralCreate, referral_payload(**{name: value, **before})))
        for name in schemas["Person"]["properties"]:
            body = referral_payload()
            body["victim"] = {**body["victim"], name: value}
            cases.append((ReferralCreate, body))
        for name in schemas["AssessRequest"]["properties"]:
            body = {"received_at": "2026-05-03T09:30:00Z", "dash": {"1": "yes"}, name: value}
            cases.append((AssessRequest, body))
    disagree = [
        (model.__name__, body)
        for model, body in cases
        if validator(model.__name__).is_valid(body) != accepted(model, body)
    ]
    assert disagree == []
