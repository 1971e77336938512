"""The OpenAPI 3.1 document for /api/v1, written as data.

The request schemas are generated from the pydantic models in `triage.referral_input`, the
same models the intake service validates every referral with (web form, API and CSV), and
completed with the rule set's codes and the rules between fields (`input_schema`), so what
is published is what is enforced. The response schemas are written here.
"""

from __future__ import annotations

from typing import Any

from triage.api import openapi_contacts, screening_schema
from triage.api.input_schema import input_schemas
from triage.api.reports_openapi import with_report_paths
from triage.models.referral import SOURCE_AGENCIES
from triage.rules import MARAC_CRITERIA, RISK_LEVELS, RuleSet, default_ruleset


def _assessment() -> dict[str, Any]:
    strings = {"type": "array", "items": {"type": "string"}}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [
            "score",
            "risk_level",
            "marac_criteria",
            "marac",
            "mcic",
            "mcic_needs",
            "answered",
            "reasons",
            "fired",
            "ruleset_version",
        ],
        "properties": {
            "score": {"type": "integer", "minimum": 0},
            "risk_level": {"type": "string", "enum": list(RISK_LEVELS)},
            "marac_criteria": {
                "type": "array",
                "items": {"type": "string", "enum": list(MARAC_CRITERIA)},
            },
            "marac": {"type": "boolean"},
            "mcic": {"type": "boolean"},
            "mcic_needs": strings,
            "answered": {"type": "integer", "minimum": 0},
            "reasons": strings,
            "fired": {
                "type": "array",
                "items": {"type": "object"},
                "description": "One entry per reason: rule, type, params, inputs.",
            },
            "ruleset_version": {"type": "string"},
        },
    }


def _routing() -> dict[str, Any]:
    coded = {
        "type": "array",
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["code", "label"],
            "properties": {"code": {"type": "string"}, "label": {"type": "string"}},
        },
    }
    moment = {"type": ["string", "null"], "format": "date-time"}
    return {
        "type": "object",
        "additionalProperties": False,
        "description": "What the rules and routing decided for the stored referral.",
        "properties": {
            "reference": {"type": "string"},
            "received_at": {"type": "string", "format": "date-time"},
            "score": {"type": "integer"},
            "questions": {"type": "integer"},
            "answered": {"type": "integer"},
            "complete": {"type": "boolean"},
            "risk_level": {"type": "string", "enum": list(RISK_LEVELS)},
            "risk_level_label": {"type": "string"},
            "marac": {"type": "boolean"},
            "marac_criteria": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "title"],
                    "properties": {
                        "name": {"type": "string", "enum": list(MARAC_CRITERIA)},
                        "title": {"type": "string"},
                    },
                },
            },
            "repeat": {"type": "boolean"},
            "last_marac_referral_at": moment,
            "mcic": {"type": "boolean"},
            "mcic_needs": coded,
            "perpetrator_management": coded,
            "pathway": {"type": "string", "enum": ["standard", "complex_case"]},
            "pathway_label": {"type": "string"},
            "reasons": {"type": "array", "items": {"type": "string"}},
            "ruleset_version": {"type": "string"},
            "offer_due_at": moment,
            "status": {"type": "string"},
        },
    }


def _referral() -> dict[str, Any]:
    person = {
        "type": "object",
        "properties": {
            "first_name": {"type": "string"},
            "last_name": {"type": "string"},
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "postcode": {"type": ["string", "null"]},
            "gender": {"type": ["string", "null"]},
        },
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "reference", "victim", "facts", "assessment", "routing"],
        "properties": {
            "id": {"type": "integer"},
            "reference": {"type": "string"},
            "source_agency": {"type": "string", "enum": list(SOURCE_AGENCIES)},
            "referrer_name": {"type": "string"},
            "police_reference": {"type": ["string", "null"]},
            "received_at": {"type": "string", "format": "date-time"},
            "status": {"type": "string"},
            "victim": person,
            "perpetrator": {"type": ["object", "null"], "properties": person["properties"]},
            "children_in_household": {"type": "integer"},
            "facts": {
                "type": "object",
                "description": "The facts the referral was assessed on, as stored.",
            },
            "dash_details": {"type": "object"},
            "dash_completed_by": {"type": ["string", "null"]},
            "dash_completed_on": {"type": ["string", "null"], "format": "date"},
            "detail": {"type": ["string", "null"]},
            "consent_basis": {"type": ["string", "null"]},
            "assessment": {"$ref": "#/components/schemas/Assessment"},
            "routing": {"$ref": "#/components/schemas/Routing"},
        },
    }


def _error_response(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def _body(schema_name: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


UNAUTHORISED = _error_response("No bearer token, or the token is unknown, revoked or disabled.")
FORBIDDEN = _error_response("The token's user lacks the capability this operation needs.")
TOO_LARGE = _error_response("The request body is larger than 256 kB.")
INVALID = _json("ValidationErrors", "Invalid input: every problem, by field. Nothing stored.")
NOT_FOUND = _error_response("No such referral, or not one you may see.")
COMMON = {
    "UNAUTHORISED": UNAUTHORISED,
    "FORBIDDEN": FORBIDDEN,
    "TOO_LARGE": TOO_LARGE,
    "INVALID": INVALID,
    "NOT_FOUND": NOT_FOUND,
}


_DOCUMENTS: dict[tuple[str, str], dict[str, Any]] = {}


def document(ruleset: RuleSet | None = None) -> dict[str, Any]:
    """The whole OpenAPI document for the rule set in use (built once per rule set; it
    holds no data, only shapes)."""
    ruleset = ruleset or default_ruleset()
    key = (ruleset.version, ruleset.source)
    if key not in _DOCUMENTS:
        _DOCUMENTS[key] = _document(ruleset)
    return _DOCUMENTS[key]


@with_report_paths  # manager reports (issue 10): paths and schemas in triage/api/reports_openapi.py
def _document(ruleset: RuleSet) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Domestic abuse triage API",
            "version": "1.0.0",
            "description": (
                "Create and read referrals and score Dash facts. Every call needs "
                "`Authorization: Bearer <token>` (tokens come from `flask --app wsgi triage "
                "create-token`); browser cookies are never accepted. A referral you may not "
                "see answers 404, the same as one that does not exist."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/referrals": {
                "post": {
                    "operationId": "createReferral",
                    "summary": "Create a referral: it is assessed, stored and routed.",
                    "description": "Needs the capability referral.create.",
                    "requestBody": _body("ReferralCreate"),
                    "responses": {
                        "201": _json("ReferralCreated", "Stored; the assessment and routing."),
                        "401": UNAUTHORISED,
                        "403": FORBIDDEN,
                        "413": TOO_LARGE,
                        "422": INVALID,
                    },
                }
            },
            "/referrals/{id}": {
                "get": {
                    "operationId": "getReferral",
                    "summary": "Read one referral you may see (the view is audited).",
                    "description": "Needs referral.view and per-case access.",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": _json("Referral", "The referral."),
                        "401": UNAUTHORISED,
                        "403": FORBIDDEN,
                        "404": _error_response("No such referral, or not one you may see."),
                    },
                }
            },
            "/assess": {
                "post": {
                    "operationId": "assess",
                    "summary": "Score facts with the rule set in use; nothing is stored.",
                    "description": "Needs referral.create.",
                    "requestBody": _body("AssessRequest"),
                    "responses": {
                        "200": _json("Assessment", "What the rules decide for these facts."),
                        "401": UNAUTHORISED,
                        "403": FORBIDDEN,
                        "413": TOO_LARGE,
                        "422": INVALID,
                    },
                }
            },
            **screening_schema.paths(COMMON),
            **openapi_contacts.paths(),
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document (no token needed).",
                    "security": [],
                    "responses": {"200": {"description": "The OpenAPI document."}},
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                **input_schemas(ruleset),
                **screening_schema.schemas(),
                "Assessment": _assessment(),
                "Routing": _routing(),
                "ReferralCreated": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "reference", "assessment", "routing"],
                    "properties": {
                        "id": {"type": "integer"},
                        "reference": {"type": "string"},
                        "assessment": {"$ref": "#/components/schemas/Assessment"},
                        "routing": {"$ref": "#/components/schemas/Routing"},
                    },
                },
                "Referral": _referral(),
                **openapi_contacts.schemas(),
                "FieldError": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
                "ValidationErrors": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["errors"],
                    "properties": {
                        "errors": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/FieldError"},
                        }
                    },
                },
                "Error": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["error", "status"],
                    "properties": {"error": {"type": "string"}, "status": {"type": "integer"}},
                },
            },
        },
    }


def schemas() -> dict[str, Any]:
    return document()["components"]["schemas"]
