"""The JSON API, version 1. Bearer tokens only (no cookies, so no CSRF); thin views.

A referral's body is checked once, by the same intake service the web form and the CSV
import use, against the one definition of the input (`triage.referral_input`, published
in the OpenAPI document): unknown fields are refused (no mass assignment), every problem
is listed at once, and a referral is stored the same way whichever door it comes through.
The request boundary commits (`triage.web.transaction`); jobs are enqueued after it.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request, url_for

from triage.api import openapi
from triage.auth.decorators import public, requires
from triage.extensions import csrf
from triage.field_validation import check_shape
from triage.models import PersonDetails, Referral
from triage.referral_input import AssessRequest, ReferralCreate
from triage.rules import InvalidFacts, assess
from triage.services import reference_data, referral_creation, rulesets
from triage.services.intake_validation import IntakeInvalid
from triage.services.referral_summary import record_view, referral_summary
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.deadlines import schedule_after_commit
from triage.web.lookup import get_or_404
from triage.web.rate_limits import limit_api
from triage.web.settings import request_settings

bp = limit_api(Blueprint("api", __name__, url_prefix="/api/v1"))  # per token and per user
csrf.exempt(bp)

# A referral is a few kB; anything much larger is not one.
MAX_BODY_BYTES = 256 * 1024
NOT_JSON = [{"field": "body", "message": "must be a JSON object (application/json)"}]


def _invalid(errors: list[dict[str, str]]):
    return jsonify({"errors": errors}), 422


def _json_body() -> Any:
    """The parsed JSON body (None when it is not JSON), at most MAX_BODY_BYTES."""
    request.max_content_length = MAX_BODY_BYTES
    return request.get_json(silent=True)


@bp.route("/openapi.json")
@public
def openapi_document():
    return jsonify(openapi.document(rulesets.active_ruleset()))


@bp.route("/referrals", methods=["POST"])
@requires("referral.create")
def create_referral():
    data = _json_body()
    if data is None:
        return _invalid(NOT_JSON)
    settings = request_settings()
    reference = reference_data.current(settings.calendar)  # rule set + calendar: one read
    try:
        # No savepoint: the intake refuses before it writes anything (referral_creation).
        created = referral_creation.create_referral(
            data,
            actor=current_actor(),
            now=request_now(),
            settings=settings,
            ruleset=reference.ruleset,
            calendar=reference.calendar,
            shape=ReferralCreate,
            handed_to_redis=True,
        )
    except IntakeInvalid as refusal:
        return _invalid(refusal.errors)
    referral, ruleset = created.referral, reference.ruleset
    schedule_after_commit(created.queued, now=request_now())
    response = jsonify(
        {
            "id": referral.id,
            "reference": referral.reference,
            "assessment": referral.assessment,
            "routing": referral_summary(referral, ruleset),
        }
    )
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_referral", referral_id=referral.id)
    return response


@bp.route("/referrals/<int:referral_id>")
@requires("referral.view")
def get_referral(referral_id: int):
    # A referral the caller may not see looks exactly like a missing one (audited).
    referral = get_or_404(Referral, referral_id, object_type="referral", capability="referral.view")
    record_view(referral, actor=current_actor(), now=request_now())
    return jsonify(referral_body(referral))


@bp.route("/assess", methods=["POST"])
@requires("referral.create")
def assess_facts():
    data = _json_body()
    if data is None:
        return _invalid(NOT_JSON)
    facts, errors = check_shape(AssessRequest, data)
    if errors:
        return _invalid(errors)
    try:
        result = assess(facts, rulesets.active_ruleset())
    except InvalidFacts as exc:
        return _invalid(exc.errors)
    return jsonify(result.to_dict())


def _person(details: PersonDetails | None) -> dict[str, Any] | None:
    """The person as this referral recorded them (never another case's details)."""
    if details is None:
        return None
    born = details.date_of_birth
    return {
        "first_name": details.first_name,
        "last_name": details.last_name,
        "date_of_birth": born.isoformat() if born else None,
        "postcode": details.postcode,
        "gender": details.gender,
    }


def referral_body(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.id,
        "reference": referral.reference,
        "source_agency": referral.source_agency,
        "referrer_name": referral.referrer_name,
        "police_reference": referral.police_reference,
        "received_at": referral.received_at.isoformat(),
        "status": referral.status,
        "victim": _person(referral.victim_details),
        "perpetrator": _person(referral.perpetrator_details),
        "children_in_household": referral.children_in_household,
        "facts": referral.answers,
        "dash_details": referral.answer_details,
        "dash_completed_by": referral.dash_completed_by,
        "dash_completed_on": (
            referral.dash_completed_on.isoformat() if referral.dash_completed_on else None
        ),
        "detail": referral.detail,
        "consent_basis": referral.consent_basis,
        "assessment": referral.assessment,
        "routing": referral_summary(referral),
    }
