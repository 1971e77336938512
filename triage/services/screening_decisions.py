"""Screening decisions: the S2S team's route, owner, agencies to inform and notes for a
referral, revised as new versions (never overwritten), optionally raising the risk level by
professional judgement.

    decided = decide(referral_id, DecisionInput(...), actor=actor, now=now)
    # after the caller's commit: enqueue decided.due_action_ids

Optimistic locking: the input names the version it was based on; when another decision has
been recorded since, `StaleDecision` carries the newer one and nothing is written. The
referral row is locked (PostgreSQL) before the version is read, so two screeners deciding at
once are serialised and the second is told; the unique (referral, version) pair is the
backstop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from triage.extensions import db
from triage.models import DueAction, Referral, ScreeningDecision, User, UserRole
from triage.models.referral import SOURCE_AGENCIES
from triage.models.screening import OWNER_ROLES, ROUTES
from triage.rules import Assessment, assess
from triage.rules.catalogue import risk_rank
from triage.services import assessment_history, audit
from triage.services.actor import Actor
from triage.services.due_action_plan import due_action_key
from triage.services.referral_summary import facts_for
from triage.vocabulary import JUDGEMENT_REASON_MAX

SIGNPOST_MAX = 200
REASON_MAX = 2_000
NOTES_MAX = 5_000


class DecisionInvalid(Exception):
    """Every problem with a decision, by field (nothing was written)."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        super().__init__("; ".join(e["message"] for e in errors))
        self.errors = errors


class StaleDecision(Exception):
    """The decision was based on an older version: `current` is the newer one."""

    def __init__(self, current: ScreeningDecision | None, current_version: int) -> None:
        super().__init__(f"the referral's decision is now at version {current_version}")
        self.current = current
        self.current_version = current_version


@dataclass(frozen=True)
class DecisionInput:
    based_on_version: int | None
    route: str | None
    owner_id: int | None
    signpost_to: str | None = None
    no_action_reason: str | None = None
    agencies: list[str] = field(default_factory=list)
    notes: str | None = None
    raise_risk: bool = False
    judgement_reason: str | None = None


@dataclass(frozen=True)
class Decided:
    decision: ScreeningDecision
    due_action_ids: list[int]


# --------------------------------------------------------------------------- queries


def decisions_for(referral_id: int) -> list[ScreeningDecision]:
    """Every version of the referral's decision, newest first."""
    query = (
        select(ScreeningDecision)
        .where(ScreeningDecision.referral_id == referral_id)
        .order_by(ScreeningDecision.version.desc())
    )
    return list(db.session.scalars(query))


def current_decision(referral_id: int) -> ScreeningDecision | None:
    found = decisions_for(referral_id)
    return found[0] if found else None


def current_version(referral_id: int) -> int:
    query = select(func.coalesce(func.max(ScreeningDecision.version), 0)).where(
        ScreeningDecision.referral_id == referral_id
    )
    return int(db.session.scalar(query) or 0)


def owner_choices() -> list[User]:
    """Active users who may hold cases (IDVAs, screeners, S2S leads), by name."""
    query = (
        select(User)
        .where(User.active.is_(True))
        .where(User.id.in_(select(UserRole.user_id).where(UserRole.role.in_(OWNER_ROLES))))
        .order_by(User.name, User.id)
    )
    return list(db.session.scalars(query))


def may_own(user: User | None) -> bool:
    return bool(user is not None and user.active and user.roles & set(OWNER_ROLES))


# --------------------------------------------------------------------------- the change


def decide(referral_id: int, data: DecisionInput, *, actor: Actor, now: datetime) -> Decided:
    """Record a new version of the referral's decision (see the module docstring)."""
    now = now.astimezone(UTC)
    referral = _lock(referral_id)
    latest = current_version(referral_id)
    if data.based_on_version is not None and data.based_on_version != latest:
        raise StaleDecision(current_decision(referral_id), latest)
    errors = check_decision(referral, data, latest)
    if errors:
        raise DecisionInvalid(errors)
    owner = db.session.get(User, data.owner_id)
    assert owner is not None  # checked above
    risk_before = referral.risk_level
    decision = ScreeningDecision(
        referral_id=referral.id,
        version=latest + 1,
        route=data.route,
        signpost_to=_text(data.signpost_to) if data.route == "signpost" else None,
        no_action_reason=_text(data.no_action_reason)
        if data.route == "no_further_action"
        else None,
        owner_id=owner.id,
        agencies=[code for code in SOURCE_AGENCIES if code in set(data.agencies)],
        notes=_text(data.notes),
        judgement_reason=_text(data.judgement_reason) if data.raise_risk else None,
        risk_before=risk_before,
        risk_after=risk_before,
        decided_by_id=actor.user_id,
        decided_at=now,
    )
    db.session.add(decision)
    db.session.flush()
    due: list[int] = []
    if data.raise_risk:
        due = _raise(referral, decision, actor=actor, now=now)
    _assign(referral, owner, previous_owner_id=_previous_owner(referral_id, decision.version))
    referral.updated_at = now
    _audit(referral, decision, actor=actor, now=now)
    db.session.flush()
    return Decided(decision, due)


def _lock(referral_id: int) -> Referral:
    query = select(Referral).where(Referral.id == referral_id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()  # SQLite: BEGIN IMMEDIATE already serialises writers
    referral = db.session.scalars(query).one_or_none()
    if referral is None:
        raise DecisionInvalid([{"field": "referral", "message": "That referral does not exist"}])
    return referral


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def check_decision(referral: Referral, data: DecisionInput, latest: int) -> list[dict[str, str]]:
    """Every problem with `data` as a decision on `referral` (nothing is written)."""
    owner = db.session.get(User, data.owner_id) if isinstance(data.owner_id, int) else None
    errors: list[dict[str, str]] = []

    def error(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    if data.based_on_version is None:
        error("based_on_version", f"Based-on version: give the version you read ({latest})")
    if data.route not in ROUTES:
        error("route", "Route: select what happens next")
    if data.route == "signpost" and not _text(data.signpost_to):
        error("signpost_to", "Signposted to: enter the service the victim is signposted to")
    if len(data.signpost_to or "") > SIGNPOST_MAX:
        error("signpost_to", f"Signposted to must be {SIGNPOST_MAX} characters or fewer")
    if data.route == "no_further_action" and not _text(data.no_action_reason):
        error("no_action_reason", "Reason for no further action: enter why nothing more is done")
    if len(data.no_action_reason or "") > REASON_MAX:
        error(
            "no_action_reason",
            f"Reason for no further action must be {REASON_MAX} characters or fewer",
        )
    if not may_own(owner):
        error("owner_id", "Owner: select a named worker who may hold cases")
    unknown = [code for code in data.agencies if code not in SOURCE_AGENCIES]
    if unknown:
        error("agencies", "Agencies to inform: choose only from the listed agencies")
    if len(data.notes or "") > NOTES_MAX:
        error("notes", f"Notes must be {NOTES_MAX} characters or fewer")
    judged = bool((referral.answers or {}).get("professional_judgement"))
    if data.raise_risk and judged:
        error("raise_risk", "Raise the risk level: it is already raised by professional judgement")
    if data.raise_risk and not _text(data.judgement_reason):
        error("judgement_reason", "Reason for raising the risk level: enter your reason")
    if len(data.judgement_reason or "") > JUDGEMENT_REASON_MAX:
        error(
            "judgement_reason",
            f"Reason for raising the risk level must be {JUDGEMENT_REASON_MAX} characters or fewer",
        )
    if data.route == "marac" and not (referral.marac or data.raise_risk):
        error(
            "route",
            "Route: the case does not meet the MARAC criteria; to refer it, raise the risk "
            "level by professional judgement with a reason, or choose another route",
        )
    return errors


def _raise(
    referral: Referral,
    decision: ScreeningDecision,
    *,
    actor: Actor,
    now: datetime,
) -> list[int]:
    """Re-run the assessment with professional judgement set, under the referral's own rule
    set; keep the old and new assessments; plan a MARAC listing if newly eligible."""
    from triage.services.rulesets import ruleset_by_version

    ruleset = ruleset_by_version(referral.ruleset_version)
    facts = facts_for(referral)
    facts.setdefault("received_at", referral.received_at)
    facts["professional_judgement"] = True
    facts["professional_judgement_reason"] = decision.judgement_reason
    new = assess(facts, ruleset)
    old = Assessment.from_dict(referral.assessment)
    if risk_rank(new.risk_level) < risk_rank(old.risk_level):  # the engine never lowers it
        raise AssertionError("professional judgement lowered the risk level")
    assessment_history.keep(
        referral, new, cause="professional_judgement", actor=actor, now=now, decision_id=decision.id
    )
    was_marac = referral.marac
    referral.answers = {
        **(referral.answers or {}),
        "professional_judgement": True,
        "professional_judgement_reason": decision.judgement_reason,
    }
    referral.assessment = new.to_dict()
    referral.risk_level, referral.score = new.risk_level, new.score
    referral.marac, referral.mcic = new.marac, new.mcic
    decision.risk_after = new.risk_level
    if not new.marac or was_marac:
        return []
    return [_plan_marac_listing(referral, actor=actor, now=now)]


def _plan_marac_listing(referral: Referral, *, actor: Actor, now: datetime) -> int:
    """The MARAC listing due action for a case that newly meets the criteria (the other
    deadlines were planned at intake and do not move: re-planning them here could add a
    second reminder)."""
    key = due_action_key(referral.id, "marac_listing", now)
    existing = db.session.scalar(select(DueAction.id).where(DueAction.key == key))
    if existing is not None:
        return existing
    row = DueAction(
        kind="marac_listing",
        referral_id=referral.id,
        due_at=now,
        key=key,
        status="pending",
        attempts=0,
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    audit.record(
        "due_action.plan",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={"actions": {"marac_listing": now.isoformat()}, "cause": "professional_judgement"},
        now=now,
    )
    return row.id


def _previous_owner(referral_id: int, version: int) -> int | None:
    return db.session.scalar(
        select(ScreeningDecision.owner_id).where(
            ScreeningDecision.referral_id == referral_id, ScreeningDecision.version == version - 1
        )
    )


def _assign(referral: Referral, owner: User, *, previous_owner_id: int | None) -> None:
    """The owner becomes the case's assigned worker, so access and "My cases" follow; an IDVA
    who owned it through an earlier decision stops being assigned when ownership moves."""
    if "idva" in owner.roles:
        referral.assigned_idva_id = owner.id
        return
    referral.assigned_screener_id = owner.id
    if previous_owner_id is not None and referral.assigned_idva_id == previous_owner_id:
        referral.assigned_idva_id = None


def _audit(referral: Referral, decision: ScreeningDecision, *, actor: Actor, now: datetime) -> None:
    audit.record(
        "screening.decide",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "version": decision.version,
            "route": decision.route,
            "owner_id": decision.owner_id,
            "agencies": list(decision.agencies),
            "risk_raised": decision.judgement_reason is not None,
            "risk_before": decision.risk_before,
            "risk_after": decision.risk_after,
        },
        now=now,
    )
