"""The JSON API, version 1. Bearer tokens only (no cookies, so no CSRF); thin views.

Request bodies are checked against the published OpenAPI schemas first (unknown fields are
refused: no mass assignment), then by the same intake service the web form and the CSV
import use, so a referral is stored the same way whichever door it comes through.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from flask import Blueprint, abort, g, jsonify, request, url_for
from flask_login import current_user

from triage.api import openapi
from triage.api.schema import validate
from triage.auth.decorators import public, requires
from triage.extensions import csrf, db
from triage.models import PersonDetails, Referral
from triage.permissions.cases import can
from triage.rules import InvalidFacts, assess
from triage.services import audit, rulesets
from triage.services.intake_validation import IntakeInvalid
from triage.services.referral_creation import create_referral as create
from triage.services.referral_summary import referral_summary
from triage.timeutil import utcnow
from triage.web.actor import current_actor

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# A referral is a few kB; anything much larger is not one.
MAX_BODY_BYTES = 256 * 1024
_INDEX = re.compile(r"\[\d+\]$")


def _invalid(errors: list[dict[str, str]]):
    return jsonify({"errors": errors}), 422


def _body(schema_name: str) -> tuple[Any, list[dict[str, str]]]:
    """The JSON body checked against its published schema: (converted value, errors)."""
    request.max_content_length = MAX_BODY_BYTES
    data = request.get_json(silent=True)
    if data is None:
        return None, [{"field": "body", "message": "must be a JSON object (application/json)"}]
    schema = {"$ref": f"#/components/schemas/{schema_name}"}
    return validate(data, schema, openapi.schemas())


def _merge(first: list[dict[str, str]], second: list[dict[str, str]]) -> list[dict[str, str]]:
    """All of `first`, then those of `second` about a field `first` does not mention."""
    seen = {e["field"] for e in first}
    return first + [e for e in second if e["field"] not in seen]


def _without(data: dict[str, Any], errors: list[dict[str, str]]) -> dict[str, Any]:
    """A copy of `data` without the values the schema refused (never hand intake a value of
    the wrong type): 'victim.gender' drops that key, 'victim_needs[2]' the whole list."""
    clean = copy.deepcopy(data)
    for error in errors:
        path = _INDEX.sub("", error["field"]).split(".")
        node: Any = clean
        for key in path[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    return clean


@bp.route("/openapi.json")
@public
def openapi_document():
    return jsonify(openapi.document())


@bp.route("/referrals", methods=["POST"])
@requires("referral.create")
def create_referral():
    data, errors = _body("ReferralCreate")
    if data is None:
        return _invalid(errors)
    actor, now = current_actor(), utcnow()
    if errors:
        if isinstance(data, dict):
            # Ask intake about the fields whose shape is right, so the client hears about
            # every problem at once; the savepoint is always rolled back, so nothing from
            # this attempt is kept.
            savepoint = db.session.begin_nested()
            try:
                create(_without(data, errors), actor=actor, now=now)
            except IntakeInvalid as exc:
                errors = _merge(errors, exc.errors)
            finally:
                savepoint.rollback()
        db.session.rollback()
        return _invalid(errors)
    try:
        created = create(data, actor=actor, now=now)
    except IntakeInvalid as exc:
        db.session.rollback()
        return _invalid(exc.errors)
    referral = created.referral
    body = {
        "id": referral.id,
        "reference": referral.reference,
        "assessment": referral.assessment,
        "routing": referral_summary(referral),
    }
    due_action_ids = created.due_action_ids
    db.session.commit()
    from triage.services import scheduling

    scheduling.enqueue(due_action_ids)
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_referral", referral_id=referral.id)
    return response


@bp.route("/referrals/<int:referral_id>")
@requires("referral.view")
def get_referral(referral_id: int):
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        abort(404)
    if not can(current_user, "referral.view", referral):
        # Looks exactly like a missing referral, but the refusal is audited.
        g.denied_object_type, g.denied_object_id = "referral", referral.id
        abort(404)
    audit.record("referral.view", current_actor(), object_type="referral", object_id=referral.id)
    body = referral_body(referral)
    db.session.commit()
    return jsonify(body)


@bp.route("/assess", methods=["POST"])
@requires("referral.create")
def assess_facts():
    facts, errors = _body("AssessRequest")
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
