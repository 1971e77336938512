"""The OpenAPI paths and schemas of the report endpoints (triage/api/reports.py), merged into
the document by `with_report_paths` so that triage/api/openapi.py needs one line for them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from triage.input_fields import DATE_PATTERN

_NUMBER_OR_NULL = {"type": ["number", "null"]}
_COUNT = {"type": "integer", "minimum": 0}
# What the server parses (triage/api/reports.py): dates YYYY-MM-DD in 1900-2100, and an
# ISO 8601 date-time with or without seconds and offset.
AS_OF_PATTERN = (
    r"^(19[0-9]{2}|20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}"
    r"(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)
_DATE_QUERY = [
    {
        "name": name,
        "in": "query",
        "required": True,
        "description": f"{label} London calendar date (inclusive). `to` is on or after "
        "`from`, and a report covers at most three years.",
        "schema": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
    }
    for name, label in (("from", "First"), ("to", "Last"))
] + [
    {
        "name": "as_of",
        "in": "query",
        "required": False,
        "description": "ISO 8601 instant the figures are as of (default now), not in the "
        "future; without an offset it is London time.",
        "schema": {"type": "string", "pattern": AS_OF_PATTERN},
    }
]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _response(name: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(name)}}}


def _operation(operation_id: str, summary: str, schema: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "description": "Needs report.view. Exact counts (no small-number suppression: "
            "the screen and file exports suppress). Each call is audited.",
            "parameters": _DATE_QUERY,
            "responses": {
                "200": _response(schema, "The report."),
                "401": _response("Error", "No bearer token, or the token is not valid."),
                "403": _response("Error", "The token's user lacks report.view."),
                "422": _response("ValidationErrors", "A bad date, range or as_of."),
            },
        }
    }


def _object(properties: dict[str, Any], extra: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": extra,
        "required": list(properties),
        "properties": properties,
    }


def _figures() -> dict[str, Any]:
    return {
        "referrals": _COUNT,
        "due": _COUNT,
        "offers_made": _COUNT,
        "on_time": _COUNT,
        "on_time_pct": _NUMBER_OR_NULL,
        "first_attempt_on_time": _COUNT,
        "overdue_now": _COUNT,
        "working_hours_to_offer": _object({"median": _NUMBER_OR_NULL, "p90": _NUMBER_OR_NULL}),
        "lateness_reasons": {"type": "object", "additionalProperties": _COUNT},
    }


def _groups() -> dict[str, Any]:
    return {"type": "object", "additionalProperties": _ref("TimelinessFigures")}


def _header() -> dict[str, Any]:
    return {
        "from": {"type": "string", "format": "date"},
        "to": {"type": "string", "format": "date"},
        "as_of": {"type": "string", "format": "date-time"},
        "definitions_version": {"type": "string"},
    }


def schemas() -> dict[str, Any]:
    meeting = _object(
        {
            "date": {"type": "string", "format": "date"},
            "cases": _COUNT,
            "new": _COUNT,
            "repeats": _COUNT,
            "children": _COUNT,
            "mcic": _COUNT,
        }
    )
    return {
        "TimelinessFigures": _object(_figures()),
        "TimelinessReport": _object(
            {
                **_header(),
                **_figures(),
                "overdue_list": {
                    "type": "array",
                    "description": "References only (never a name), with the age in "
                    "working hours since receipt.",
                    "items": _object(
                        {"reference": {"type": "string"}, "age_working_hours": {"type": "number"}}
                    ),
                },
                "working_hours_histogram": {
                    "type": "array",
                    "items": _object({"bin": {"type": "string"}, "offers": _COUNT}),
                },
                "by_source": _groups(),
                "by_risk": _groups(),
                "by_mcic": _groups(),
                "by_week": _groups(),
            }
        ),
        "MaracReport": _object(
            {
                **_header(),
                "meetings": {"type": "array", "items": meeting},
                "cases": _COUNT,
                "new": _COUNT,
                "repeats": _COUNT,
                "repeat_rate_pct": _NUMBER_OR_NULL,
                "referral_to_hearing_working_days": _object(
                    {"median": _NUMBER_OR_NULL, "p90": _NUMBER_OR_NULL}
                ),
                "criteria": {"type": "object", "additionalProperties": _COUNT},
                "mcic": _COUNT,
                "mcic_pct": _NUMBER_OR_NULL,
                "children": _COUNT,
                "cases_per_10k_women_per_year": _NUMBER_OR_NULL,
                "comparison": _object(
                    {
                        "women_population": _COUNT,
                        "expected_per_10k_women_per_year": {"type": "number"},
                        "national_repeat_rate_pct": {"type": "number"},
                    }
                ),
            }
        ),
    }


def paths() -> dict[str, Any]:
    return {
        "/reports/timeliness": _operation(
            "reportTimeliness",
            "S2S timeliness for referrals received in a range.",
            "TimelinessReport",
        ),
        "/reports/marac": _operation(
            "reportMarac", "MARAC performance for meetings held in a range.", "MaracReport"
        ),
    }


def with_report_paths(build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Decorates the OpenAPI document's builder: the same document, plus the report paths and
    schemas."""

    @functools.wraps(build)
    def document(*args: Any, **kwargs: Any) -> dict[str, Any]:
        doc = build(*args, **kwargs)
        doc["paths"].update(paths())
        doc["components"]["schemas"].update(schemas())
        return doc

    return document
