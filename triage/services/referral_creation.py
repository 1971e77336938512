"""Referral creation: THE one way a referral is stored (web form, JSON API, CSV import).

    created = create_referral(data, actor=actor, now=now, settings=settings)
    # after the caller's commit: the due actions go to Redis (triage.web.deadlines,
    # or the job/CLI boundary), created.due_action_ids

`check_referral` checks everything first (raising `IntakeInvalid` with every problem) before
anything is written. Then, in the caller's transaction, the victim and perpetrator are
written as people (an exact match is reused; near matches only when confirmed; only matches
from cases the actor may see), the referral is stored with its facts and assessment and its
own record of each person's details (`person_details`), matches the actor could not be
shown become screening tasks (`possible_matches`), `referral.create` is audited, and
scheduling plans the S2S offer deadline and due actions.

`IntakeInvalid` is raised only by the check, before anything is written, so a caller needs
no savepoint to undo a refusal (the API calls this without one). The rule set and the
calendar are read together in one statement (`reference_data`) unless the caller gives them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from triage.extensions import db
from triage.models import Referral
from triage.referral_input import ReferralInput
from triage.rules import RuleSet
from triage.services import audit, person_details, possible_matches
from triage.services.actor import Actor
from triage.services.due_action_plan import offer_due_at, plan_for_referral, plan_new_referral
from triage.services.due_action_queue import QueuedAction
from triage.services.intake_validation import CheckedReferral, IntakeInvalid, check_referral
from triage.services.person_details import Viewer
from triage.services.person_matching import write_person
from triage.settings import Settings
from triage.workdays import WorkingCalendar


@dataclass(frozen=True)
class Created:
    """The stored referral and the due actions to enqueue once the caller has committed."""

    referral: Referral
    due_action_ids: list[int]
    # The same rows as Redis needs them (id, key, due time), taken from the session: the
    # caller can schedule them after its commit without reading them again.
    queued: tuple[QueuedAction, ...] = ()


def create_referral(
    data: Mapping[str, Any],
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
    ruleset: RuleSet | None = None,
    shape: type[BaseModel] = ReferralInput,
    calendar: WorkingCalendar | None = None,
    handed_to_redis: bool = False,
) -> Created:
    """Check, assess and store one referral in the caller's transaction (see module doc).
    `shape`: the input model of the caller's door (`ReferralCreate` for the API).
    `calendar`: the working calendar, when the caller has read it (with the rule set).
    `handed_to_redis`: the caller schedules `created.queued` right after its commit, so the
    due actions are written `enqueued` (`due_action_plan.plan_new_referral`)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    if ruleset is None:
        reference = _reference(settings)
        ruleset, calendar = reference.ruleset, calendar or reference.calendar
    viewer = Viewer.for_actor(actor)
    checked = check_referral(
        data,
        ruleset=ruleset,
        now=now,
        viewer=viewer,
        shape=shape,
        clock_skew=settings.received_clock_skew,
    )
    try:
        return _write(checked, ruleset, calendar, handed_to_redis, actor, now, settings)
    except IntakeInvalid as late:  # after a write: a caller without a savepoint must not commit
        raise RuntimeError("IntakeInvalid raised after the referral was written") from late


def _write(
    checked: CheckedReferral,
    ruleset: RuleSet,
    calendar: WorkingCalendar | None,
    handed_to_redis: bool,
    actor: Actor,
    now: datetime,
    settings: Settings,
) -> Created:
    received = checked.received_at
    due_at = calendar.offer_due(received) if calendar else offer_due_at(received, settings)
    referral = _store(checked, ruleset, due_at, actor=actor, now=now)
    _record_people(referral, checked, actor=actor, now=now)
    _audit(referral, checked, actor=actor, now=now)
    # The details rows, match tasks and due actions go in the plan's one flush.
    if not handed_to_redis:
        due = plan_for_referral(referral, now=now, actor=actor, settings=settings, new=True)
        return Created(referral, due)
    queued = plan_new_referral(referral, now=now, actor=actor, settings=settings)
    return Created(referral, [action.id for action in queued], tuple(queued))


def _reference(settings: Settings):
    from triage.services import reference_data

    return reference_data.current(settings.calendar)


def _store(
    checked: CheckedReferral, ruleset: RuleSet, due_at: datetime, *, actor: Actor, now: datetime
) -> Referral:
    """The people and the referral, in one flush (the deadline fixed before the INSERT)."""
    victim = write_person(checked.victim)
    perpetrator = write_person(checked.perpetrator) if checked.perpetrator else None
    referral = build_referral(checked, ruleset, due_at, actor=actor, now=now)
    referral.victim = victim
    referral.perpetrator = perpetrator
    db.session.add(referral)
    db.session.flush()
    return referral


def build_referral(
    checked: CheckedReferral, ruleset: RuleSet, due_at: datetime, *, actor: Actor, now: datetime
) -> Referral:
    """The referral row for a checked input, without its people (not added, not flushed:
    the bulk CSV import adds thousands before one flush)."""
    assessment = checked.assessment
    return Referral(
        source_agency=checked.source_agency,
        referrer_id=actor.user_id,
        referrer_name=checked.referrer_name,
        referrer_contact=checked.referrer_contact,
        police_reference=checked.police_reference,
        children_in_household=checked.children_in_household,
        received_at=checked.received_at,
        offer_due_at=due_at,
        answers=stored_facts(checked.facts, ruleset),
        answer_details=checked.dash_details,
        detail=checked.detail,
        dash_completed_by=checked.dash_completed_by,
        dash_completed_on=checked.dash_completed_on,
        consent_basis=checked.consent_basis,
        assessment=assessment.to_dict(),
        ruleset_version=assessment.ruleset_version,
        score=assessment.score,
        risk_level=assessment.risk_level,
        marac=assessment.marac,
        mcic=assessment.mcic,
        status="received",
        created_at=now,
        updated_at=now,
    )


def _record_people(
    referral: Referral, checked: CheckedReferral, *, actor: Actor, now: datetime
) -> None:
    """What this referral says about its people, on its own rows; matches the referrer could
    not be shown become the screening team's "possible earlier referral" tasks (flushed by
    the caller's next flush)."""
    for role, resolved in (("victim", checked.victim), ("perpetrator", checked.perpetrator)):
        if resolved is None:
            continue
        person_details.record(referral, role, resolved.details, actor=actor, now=now)
        possible_matches.record(referral, role, resolved.hidden, now=now)


def _audit(referral: Referral, checked: CheckedReferral, *, actor: Actor, now: datetime) -> None:
    assessment = checked.assessment
    audit.record(
        "referral.create",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "source_agency": checked.source_agency,
            "ruleset_version": assessment.ruleset_version,
            "score": assessment.score,
            "risk_level": assessment.risk_level,
            "marac_criteria": list(assessment.marac_criteria),
            "mcic": assessment.mcic,
            "victim_match": checked.victim.how,
            "perpetrator_match": checked.perpetrator.how if checked.perpetrator else None,
            "possible_earlier_referrals": len(checked.victim.hidden)
            + (len(checked.perpetrator.hidden) if checked.perpetrator else 0),
        },
        now=now,
    )


def stored_facts(facts: Mapping[str, Any], ruleset: RuleSet) -> dict[str, Any]:
    """The validated facts as JSON: every question answered, codes in catalogue order."""
    given = facts["dash"] or {}
    dash = {str(q.number): "not_asked" for q in ruleset.dash_questions}
    for key, answer in given.items():
        dash[str(int(key))] = answer
    judged = bool(facts["professional_judgement"])
    return {
        "dash": dash,
        "police_callouts_12m": facts["police_callouts_12m"],
        "professional_judgement": judged,
        "professional_judgement_reason": (facts["professional_judgement_reason"] or "")
        if judged
        else "",
        "victim_needs": _catalogue_order(
            facts["victim_needs"] or [], [e.code for e in ruleset.victim_needs]
        ),
        "perpetrator_management": _catalogue_order(
            facts["perpetrator_management"] or [],
            [e.code for e in ruleset.perpetrator_management],
        ),
        "received_at": _iso(facts["received_at"]),
        "last_marac_referral_at": _iso(facts["last_marac_referral_at"]),
    }


def _catalogue_order(codes: object, catalogue: list[str]) -> list[str]:
    given = set(codes) if isinstance(codes, list | tuple) else set()
    return [code for code in catalogue if code in given]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat()
