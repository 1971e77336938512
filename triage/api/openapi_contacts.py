"""The OpenAPI description of the contacts and morning-list routes (`triage/api/contacts.py`),
merged into the document by `triage.api.openapi.document()`. Every code is an enum."""

from __future__ import annotations

from typing import Any

from triage.input_fields import DATE_PATTERN
from triage.models.referral import SOURCE_AGENCIES
from triage.rules import RISK_LEVELS
from triage.services import offers, screening_list

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


ERROR = {"content": {"application/json": {"schema": _ref("Error")}}}
COMMON = {
    "401": {"description": "No bearer token, or the token is unknown or revoked.", **ERROR},
    "403": {"description": "The token's user lacks the capability.", **ERROR},
}


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def paths() -> dict[str, Any]:
    return {
        "/referrals/{id}/contacts": {
            "post": {
                "operationId": "recordContact",
                "summary": "Record an attempt to reach the victim, or an offer that reached them.",
                "description": (
                    "Needs offer.record and per-case access (404 otherwise). An attempt "
                    "(no_contact, unsafe_to_contact) keeps the case on the morning list and its "
                    "reminders; an offer (accepted, declined) takes it off. The due time never "
                    "moves: an offer after it needs a lateness_reason."
                ),
                "parameters": [
                    {
                        "name": "id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 1},
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ContactCreate")}},
                },
                "responses": {
                    "201": _json("ContactRecorded", "Stored and audited."),
                    **COMMON,
                    "404": {
                        "description": "No such referral, or not one you may record on.",
                        **ERROR,
                    },
                    "413": {"description": "The request body is larger than 256 kB.", **ERROR},
                    "422": _json("ValidationErrors", "Every problem, by field. Nothing stored."),
                },
            }
        },
        "/screening": {
            "get": {
                "operationId": "morningList",
                "summary": "The S2S morning list, earliest due first, with each row's state.",
                "description": (
                    "Needs referral.screen; only cases you may see. `day` defaults to today "
                    "(London); a later day (up to 14 ahead) works the states out at its opening "
                    "time. Unknown codes answer 422."
                ),
                "parameters": [
                    _query(
                        "day",
                        "YYYY-MM-DD, today or up to 14 days ahead.",
                        {"type": "string", "format": "date", "pattern": DATE_PATTERN},
                    ),
                    _query(
                        "status",
                        "Which rows.",
                        {"type": "string", "enum": list(screening_list.STATUS_FILTERS)},
                    ),
                    _query(
                        "owner",
                        "A user id, or `none` for unassigned.",
                        {"type": "string", "pattern": "^([1-9][0-9]{0,8}|none)$"},
                    ),
                    _query("risk", "Risk level.", {"type": "string", "enum": list(RISK_LEVELS)}),
                    _query(
                        "source",
                        "Source agency.",
                        {"type": "string", "enum": list(SOURCE_AGENCIES)},
                    ),
                    _query("marac", "1: MARAC cases only.", {"type": "string", "enum": ["1"]}),
                    _query("mcic", "1: MCIC-flagged only.", {"type": "string", "enum": ["1"]}),
                ],
                "responses": {
                    "200": _json("MorningList", "The list."),
                    **COMMON,
                    "422": _json("ValidationErrors", "A parameter is not valid."),
                },
            }
        },
    }


def schemas() -> dict[str, Any]:
    from triage.api.contacts import ContactCreate

    request = ContactCreate.model_json_schema(ref_template=REF)
    request.pop("$defs", None)
    codes = {"type": "string"}
    return {
        "ContactCreate": request,
        "ContactRecorded": {
            "type": "object",
            "additionalProperties": False,
            "required": [
                "id",
                "referral_id",
                "reference",
                "kind",
                "made_at",
                "method",
                "outcome",
                "on_time",
                "lateness_reason",
                "referral_status",
                "on_morning_list",
            ],
            "properties": {
                "id": {"type": "integer"},
                "referral_id": {"type": "integer"},
                "reference": codes,
                "kind": {"type": "string", "enum": ["attempt", "offer"]},
                "made_at": {"type": "string", "format": "date-time"},
                "method": {"type": "string", "enum": list(offers.METHODS)},
                "outcome": {"type": "string", "enum": list(offers.OUTCOMES)},
                "on_time": {"type": "boolean"},
                "lateness_reason": {"enum": [*offers.LATE_REASONS, None]},
                "referral_status": {"type": "string", "enum": ["received", "offer_made", "closed"]},
                "on_morning_list": {"type": "boolean"},
            },
        },
        "MorningListRow": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer"},
                "reference": codes,
                "received_at": {"type": "string", "format": "date-time"},
                "offer_due_at": {"type": ["string", "null"], "format": "date-time"},
                "state": {"type": "string", "enum": ["overdue", "today", "later"]},
                "due_text": {"type": "string", "description": "e.g. due in 3 h 20 min"},
                "contact": {"type": "string", "enum": ["attempted", "not_contacted"]},
                "attempts": {"type": "integer", "minimum": 0},
                "owner": {
                    "type": ["object", "null"],
                    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
                },
                "risk_level": {"type": "string", "enum": list(RISK_LEVELS)},
                "mcic": {"type": "boolean"},
                "marac": {"type": "boolean"},
                "repeat": {"type": "boolean"},
                "source_agency": {"type": "string", "enum": list(SOURCE_AGENCIES)},
            },
        },
        "MorningList": {
            "type": "object",
            "additionalProperties": False,
            "required": ["day", "as_of", "counts", "rows"],
            "properties": {
                "day": {"type": "string", "format": "date"},
                "as_of": {"type": "string", "format": "date-time"},
                "counts": {
                    "type": "object",
                    "properties": {k: {"type": "integer"} for k in screening_list.COUNTED},
                },
                "rows": {"type": "array", "items": _ref("MorningListRow")},
            },
        },
    }
