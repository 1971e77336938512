"""The OpenAPI 3.1 document for /api/v1, written by hand as data.

The request schemas here are not only documentation: `triage.api.views` checks every
request body against them (`triage.api.schema`), so what is published is what is enforced.
"""

from __future__ import annotations

import functools
from typing import Any

from triage.api.reports_openapi import with_report_paths
from triage.models.referral import SOURCE_AGENCIES
from triage.rules import ANSWERS, MARAC_CRITERIA, RISK_LEVELS, default_ruleset
from triage.services.intake import (
    ADDRESS_MAX,
    ANSWER_DETAIL_MAX,
    CHILDREN_MAX,
    CONSENT_BASES,
    DETAIL_MAX,
    GENDERS,
    JUDGEMENT_REASON_MAX,
    NAME_MAX,
    POLICE_REFERENCE_MAX,
    REFERRER_MAX,
)

QUESTION_NUMBER = {"type": "string", "pattern": "^[1-9][0-9]?$"}


def _text(max_length: int, description: str = "", required: bool = False) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string" if required else ["string", "null"]}
    schema["maxLength"] = max_length
    if required:
        schema["minLength"] = 1
    if description:
        schema["description"] = description
    return schema


def _codes(description: str) -> dict[str, Any]:
    return {
        "type": ["array", "null"],
        "items": {"type": "string", "maxLength": 40},
        "maxItems": 50,
        "uniqueItems": True,
        "description": description,
    }


def _facts_properties() -> dict[str, Any]:
    ruleset = default_ruleset()
    needs = ", ".join(e.code for e in ruleset.victim_needs)
    management = ", ".join(e.code for e in ruleset.perpetrator_management)
    return {
        "dash": {"$ref": "#/components/schemas/DashAnswers"},
        "police_callouts_12m": {
            "type": "integer",
            "minimum": 0,
            "maximum": 1000,
            "description": "Police call-outs for domestic abuse to this victim in the last 12 "
            "months. Missing means 0; null is refused (an unknown count is not zero).",
        },
        "professional_judgement": {
            "type": ["boolean", "null"],
            "description": "The practitioner judges the case high risk whatever the score.",
        },
        "professional_judgement_reason": _text(
            JUDGEMENT_REASON_MAX, "Required when professional_judgement is true."
        ),
        "victim_needs": _codes(f"Victim's complex needs, codes of the rule set: {needs}."),
        "perpetrator_management": _codes(
            f"How the perpetrator is managed, codes of the rule set: {management}."
        ),
    }


def _person() -> dict[str, Any]:
    flag = {"type": ["boolean", "null"], "description": "null = not known"}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["first_name", "last_name"],
        "properties": {
            "first_name": _text(NAME_MAX, required=True),
            "last_name": _text(NAME_MAX, required=True),
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "postcode": _text(10, "A UK postcode, e.g. E15 1AA"),
            "gender": {"type": ["string", "null"], "enum": [*GENDERS, None]},
            "address": _text(ADDRESS_MAX),
            "racially_minoritised": flag,
            "lgbt": flag,
            "disabled": flag,
        },
    }


def _referral_create() -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["source_agency", "referrer_name", "victim", "consent_basis"],
        "properties": {
            "source_agency": {"type": "string", "enum": list(SOURCE_AGENCIES)},
            "referrer_name": _text(REFERRER_MAX, required=True),
            "referrer_contact": _text(REFERRER_MAX),
            "police_reference": _text(
                POLICE_REFERENCE_MAX, "Unique: a second referral with it is refused."
            ),
            "received_at": {
                "type": ["string", "null"],
                "format": "date-time",
                "description": "When the referral was received, with a UTC offset; "
                "defaults to now; never in the future.",
            },
            "victim": {"$ref": "#/components/schemas/Person"},
            "perpetrator": {"$ref": "#/components/schemas/PersonOrNull"},
            "children_in_household": {"type": "integer", "minimum": 0, "maximum": CHILDREN_MAX},
            **_facts_properties(),
            "dash_details": {"$ref": "#/components/schemas/DashDetails"},
            "dash_completed_by": _text(
                REFERRER_MAX, "Who completed the checklist; required when any answer is given."
            ),
            "dash_completed_on": {
                "type": ["string", "null"],
                "format": "date",
                "description": "Required when any answer is given; not after the day received.",
            },
            "detail": _text(DETAIL_MAX, "Detail of the incident (free text)."),
            "consent_basis": {"type": "string", "enum": list(CONSENT_BASES)},
        },
    }


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


@functools.cache
@with_report_paths  # manager reports (issue 10): paths and schemas in triage/api/reports_openapi.py
def document() -> dict[str, Any]:
    """The whole OpenAPI document (built once; it holds no data, only shapes)."""
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
                "DashAnswers": {
                    "type": ["object", "null"],
                    "description": "Question number (1-24 in the default rule set) to answer. "
                    "Only yes counts; a missing question is not_asked.",
                    "propertyNames": QUESTION_NUMBER,
                    "additionalProperties": {"type": "string", "enum": list(ANSWERS)},
                },
                "DashDetails": {
                    "type": ["object", "null"],
                    "description": "Question number to free-text detail for that answer.",
                    "propertyNames": QUESTION_NUMBER,
                    "additionalProperties": {"type": "string", "maxLength": ANSWER_DETAIL_MAX},
                },
                "Person": _person(),
                "PersonOrNull": {**_person(), "type": ["object", "null"]},
                "ReferralCreate": _referral_create(),
                "AssessRequest": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["received_at"],
                    "properties": {
                        **_facts_properties(),
                        "received_at": {"type": "string", "format": "date-time"},
                        "last_marac_referral_at": {
                            "type": ["string", "null"],
                            "format": "date-time",
                            "description": "When this victim and perpetrator were last "
                            "referred to MARAC, if ever (for the repeat criterion).",
                        },
                    },
                },
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
