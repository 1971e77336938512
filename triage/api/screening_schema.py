"""The screening-decision request model (pydantic, so the OpenAPI schema is generated from
what is checked) and its OpenAPI path and response schemas, merged into `triage.api.openapi`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict

from triage.input_fields import _optional_text, whole
from triage.models.referral import SOURCE_AGENCIES
from triage.models.screening import ROUTES
from triage.rules import MARAC_CRITERIA, RISK_LEVELS
from triage.services import screening_decisions
from triage.vocabulary import JUDGEMENT_REASON_MAX

REF = "#/components/schemas/{model}"

# Ids and versions fit the database's INTEGER; text refuses what every door refuses
# (control characters; bidi overrides on one line), so schema-valid means accepted.
MAX_ID = 2**31 - 1


class ScreeningDecisionRequest(BaseModel):
    """A screening decision (a new version of the referral's decision)."""

    model_config = ConfigDict(extra="forbid")

    based_on_version: Annotated[
        whole(0, MAX_ID), Field(description="The decision version you read (0 for the first).")
    ]
    route: Literal[tuple(ROUTES)]  # type: ignore[valid-type]
    owner_id: Annotated[
        whole(1, MAX_ID),
        Field(description="An active IDVA, screener or S2S lead: the case owner."),
    ]
    signpost_to: Annotated[
        _optional_text(screening_decisions.SIGNPOST_MAX),
        Field(description="Required for signpost."),
    ] = None
    no_action_reason: Annotated[
        _optional_text(screening_decisions.REASON_MAX, multiline=True),
        Field(description="Required for no_further_action."),
    ] = None
    agencies: list[Literal[tuple(SOURCE_AGENCIES)]] = []  # type: ignore[valid-type]
    notes: _optional_text(screening_decisions.NOTES_MAX, multiline=True) = None
    raise_risk: Annotated[
        bool,
        Strict(),
        Field(description="Raise the risk level to high by professional judgement."),
    ] = False
    judgement_reason: Annotated[
        _optional_text(JUDGEMENT_REASON_MAX, multiline=True),
        Field(description="Required when raise_risk is true."),
    ] = None


def _json(name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}},
    }


def _decision() -> dict[str, Any]:
    text = {"type": ["string", "null"]}
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["version", "route", "owner_id", "agencies", "decided_at"],
        "properties": {
            "version": {"type": "integer", "minimum": 1},
            "route": {"type": "string", "enum": list(ROUTES)},
            "signpost_to": text,
            "no_action_reason": text,
            "owner_id": {"type": "integer"},
            "agencies": {
                "type": "array",
                "items": {"type": "string", "enum": list(SOURCE_AGENCIES)},
            },
            "notes": text,
            "risk_raised": {"type": "boolean"},
            "judgement_reason": text,
            "risk_before": {"type": "string", "enum": list(RISK_LEVELS)},
            "risk_after": {"type": "string", "enum": list(RISK_LEVELS)},
            "decided_by_id": {"type": ["integer", "null"]},
            "decided_at": {"type": "string", "format": "date-time"},
        },
    }


def schemas() -> dict[str, Any]:
    request = ScreeningDecisionRequest.model_json_schema(ref_template=REF)
    found = request.pop("$defs", {})
    decision = {"$ref": REF.format(model="ScreeningDecision")}
    return {
        **found,
        "ScreeningDecisionRequest": request,
        "ScreeningDecision": _decision(),
        "ScreeningDecided": {
            "type": "object",
            "additionalProperties": False,
            "required": ["reference", "decision", "risk_level", "marac", "marac_criteria"],
            "properties": {
                "reference": {"type": "string"},
                "decision": decision,
                "risk_level": {"type": "string", "enum": list(RISK_LEVELS)},
                "marac": {"type": "boolean"},
                "marac_criteria": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(MARAC_CRITERIA)},
                },
            },
        },
        "StaleScreeningDecision": {
            "type": "object",
            "additionalProperties": False,
            "required": ["error", "status", "current_version", "current"],
            "properties": {
                "error": {"type": "string"},
                "status": {"type": "integer", "enum": [409]},
                "current_version": {"type": "integer", "minimum": 0},
                "current": {"oneOf": [decision, {"type": "null"}]},
            },
        },
    }


def paths(common: dict[str, Any]) -> dict[str, Any]:
    """`common`: the shared responses (UNAUTHORISED, FORBIDDEN, TOO_LARGE, INVALID, NOT_FOUND)."""
    return {
        "/referrals/{id}/screening": {
            "post": {
                "operationId": "recordScreeningDecision",
                "summary": "Record a screening decision (a new version; earlier ones are kept).",
                "description": (
                    "Needs referral.screen and per-case access. Optimistic locking: "
                    "`based_on_version` must be the current version, else 409 with the "
                    "current decision and nothing is saved. `raise_risk` re-assesses the "
                    "referral with professional judgement (never lowers the level)."
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
                    "content": {
                        "application/json": {
                            "schema": {"$ref": REF.format(model="ScreeningDecisionRequest")}
                        }
                    },
                },
                "responses": {
                    "201": _json("ScreeningDecided", "Saved: the decision and the risk now."),
                    "401": common["UNAUTHORISED"],
                    "403": common["FORBIDDEN"],
                    "404": common["NOT_FOUND"],
                    "409": _json("StaleScreeningDecision", "Based on an older version."),
                    "413": common["TOO_LARGE"],
                    "422": common["INVALID"],
                },
            }
        }
    }
