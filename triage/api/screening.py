"""POST /api/v1/referrals/{id}/screening: a screening decision from another system.

The same rules as the form (the service checks them): 422 with every problem, 409 when the
decision was based on an older version (the body carries the current version and decision),
404 for a case the caller may not screen. Routes are added to the API blueprint."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from triage.api.screening_schema import ScreeningDecisionRequest
from triage.api.views import _invalid, _json_body, bp
from triage.auth.decorators import requires
from triage.field_validation import check_shape
from triage.models import Referral, ScreeningDecision
from triage.services import screening_decisions
from triage.services.screening_decisions import DecisionInput, DecisionInvalid, StaleDecision
from triage.web.actor import current_actor
from triage.web.clock import request_now
from triage.web.deadlines import enqueue_after_commit
from triage.web.lookup import get_or_404
from triage.web.transaction import attempt


def decision_body(decision: ScreeningDecision) -> dict[str, Any]:
    return {
        "version": decision.version,
        "route": decision.route,
        "signpost_to": decision.signpost_to,
        "no_action_reason": decision.no_action_reason,
        "owner_id": decision.owner_id,
        "agencies": list(decision.agencies),
        "notes": decision.notes,
        "risk_raised": decision.judgement_reason is not None,
        "judgement_reason": decision.judgement_reason,
        "risk_before": decision.risk_before,
        "risk_after": decision.risk_after,
        "decided_by_id": decision.decided_by_id,
        "decided_at": decision.decided_at.isoformat(),
    }


def _merge(shape: list[dict[str, str]], rules: list[dict[str, str]]) -> list[dict[str, str]]:
    """Every problem once: a field with a shape problem is not reported again by the rules."""
    named = {p["field"] for p in shape}
    return shape + [p for p in rules if p["field"] not in named]


@bp.route("/referrals/<int:referral_id>/screening", methods=["POST"])
@requires("referral.screen")
def record_screening_decision(referral_id: int):
    referral = get_or_404(
        Referral, referral_id, object_type="referral", capability="referral.screen"
    )
    raw = _json_body()
    if raw is None:
        return _invalid([{"field": "body", "message": "must be a JSON object (application/json)"}])
    clean, shape_errors = check_shape(ScreeningDecisionRequest, raw)
    data = DecisionInput(
        based_on_version=clean.get("based_on_version"),
        route=clean.get("route"),
        owner_id=clean.get("owner_id"),
        signpost_to=clean.get("signpost_to"),
        no_action_reason=clean.get("no_action_reason"),
        agencies=list(clean.get("agencies") or []),
        notes=clean.get("notes"),
        raise_risk=bool(clean.get("raise_risk")),
        judgement_reason=clean.get("judgement_reason"),
    )
    if shape_errors:
        latest = screening_decisions.current_version(referral.id)
        rules = screening_decisions.check_decision(referral, data, latest)
        return _invalid(_merge(shape_errors, rules))
    decided, refusal = attempt(
        screening_decisions.decide,
        referral.id,
        data,
        actor=current_actor(),
        now=request_now(),
        refusals=(DecisionInvalid, StaleDecision),
    )
    if isinstance(refusal, StaleDecision):
        current = refusal.current
        body = {
            "error": "The decision was based on an older version; nothing was saved.",
            "status": 409,
            "current_version": refusal.current_version,
            "current": decision_body(current) if current else None,
        }
        return jsonify(body), 409
    if isinstance(refusal, DecisionInvalid):
        return _invalid(refusal.errors)
    assert decided is not None
    enqueue_after_commit(decided.due_action_ids, now=request_now())
    body = {
        "reference": referral.reference,
        "decision": decision_body(decided.decision),
        "risk_level": referral.risk_level,
        "marac": referral.marac,
        "marac_criteria": list((referral.assessment or {}).get("marac_criteria") or []),
    }
    return jsonify(body), 201
