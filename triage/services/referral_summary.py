"""Reading a stored referral back, for its page and the API: what the rules and routing
decided (`referral_summary`, whose shape the API publishes), the facts it was assessed on
(`facts_for`, for replay) and its MARAC listing in force. Showing a referral to anyone is
audited (`record_view`), by the read-back itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from triage.extensions import db
from triage.models import MaracListing, Referral
from triage.rules import MARAC_CRITERIA, Assessment, RuleSet
from triage.services import audit
from triage.services.actor import Actor
from triage.vocabulary import RISK_LEVEL_LABELS


def facts_for(referral: Referral) -> dict[str, Any]:
    """The facts a stored referral was assessed on, ready for `assess()` (replay)."""
    stored = dict(referral.answers or {})
    for key in ("received_at", "last_marac_referral_at"):
        if stored.get(key):
            stored[key] = datetime.fromisoformat(stored[key])
    return stored


def record_view(
    referral: Referral, *, actor: Actor, now: datetime, details: dict[str, Any] | None = None
) -> None:
    """Audit that `actor` was shown this referral (in the caller's transaction)."""
    audit.record(
        "referral.view",
        actor,
        object_type="referral",
        object_id=referral.id,
        details=details,
        now=now,
    )


def current_marac_listing(referral_id: int) -> MaracListing | None:
    """The referral's MARAC listing still in force (listed or heard), if any.

    Kept out of `referral_summary`, whose shape the API publishes."""
    return db.session.scalar(
        select(MaracListing)
        .where(
            MaracListing.referral_id == referral_id, MaracListing.status.in_(("listed", "heard"))
        )
        .order_by(MaracListing.listed_at.desc())
        .limit(1)
    )


def _labels_for(version: str) -> RuleSet | None:
    from triage.services.rulesets import UnknownRuleSet, ruleset_by_version

    try:
        return ruleset_by_version(version)
    except UnknownRuleSet:
        return None


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()


def referral_summary(referral: Referral, ruleset: RuleSet | None = None) -> dict[str, Any]:
    """What the rules and routing decided, in plain values (result page and API).

    The labels come from the rule set the referral was assessed with: pass it when the
    caller holds it already (it is looked up otherwise)."""
    stored = Assessment.from_dict(referral.assessment)
    if ruleset is None or ruleset.version != stored.ruleset_version:
        ruleset = _labels_for(stored.ruleset_version)
    need_labels = dict(ruleset.victim_need_labels) if ruleset else {}
    management_labels = dict(ruleset.perpetrator_management_labels) if ruleset else {}
    questions = len(ruleset.dash_questions) if ruleset else len(referral.answers.get("dash", {}))
    facts = referral.answers or {}
    last_marac = facts.get("last_marac_referral_at")
    last_marac_at = datetime.fromisoformat(last_marac) if last_marac else None
    repeat = "repeat" in stored.marac_criteria
    return {
        "reference": referral.reference,
        "received_at": _iso(referral.received_at),
        "score": stored.score,
        "questions": questions,
        "answered": stored.answered,
        "complete": stored.answered == questions,
        "risk_level": stored.risk_level,
        "risk_level_label": RISK_LEVEL_LABELS.get(stored.risk_level, stored.risk_level),
        "marac": stored.marac,
        "marac_criteria": [
            {"name": name, "title": MARAC_CRITERIA.get(name, name)}
            for name in stored.marac_criteria
        ],
        "repeat": repeat,
        "last_marac_referral_at": _iso(last_marac_at),
        "mcic": stored.mcic,
        "mcic_needs": [
            {"code": code, "label": need_labels.get(code, code)} for code in stored.mcic_needs
        ],
        "perpetrator_management": [
            {"code": code, "label": management_labels.get(code, code)}
            for code in facts.get("perpetrator_management", [])
        ],
        "pathway": "complex_case" if stored.mcic else "standard",
        "pathway_label": "Complex-case pathway (MCIC)" if stored.mcic else "S2S standard pathway",
        "reasons": list(stored.reasons),
        "ruleset_version": stored.ruleset_version,
        "offer_due_at": _iso(referral.offer_due_at),
        "status": referral.status,
    }
