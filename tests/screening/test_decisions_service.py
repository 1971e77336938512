"""The screening-decision service: versions, validation, owner assignment, raising the risk
level by professional judgement (re-assessed, history kept, MARAC planned), audit."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.screening.support import NOW, actor_for, decision, referral, team
from triage.extensions import db
from triage.models import AssessmentRecord, AuditEvent, DueAction, ScreeningDecision
from triage.permissions import can
from triage.services import screening_decisions
from triage.services.screening_decisions import DecisionInvalid, StaleDecision, decide


def _decide(referral_id, data, user):
    return decide(referral_id, data, actor=actor_for(user), now=NOW)


def test_a_decision_is_version_1_sets_the_owner_and_is_audited(app_ctx):
    users = team()
    case = referral()
    assert not can(users["idva"], "referral.view", case)
    decided = _decide(
        case.id,
        decision(users["idva"].id, route="idva", agencies=["housing", "police"], notes="Call pm"),
        users["screener"],
    )
    row = decided.decision
    assert (row.version, row.route, row.owner_id) == (1, "idva", users["idva"].id)
    assert row.agencies == ["police", "housing"]  # catalogue order
    assert case.assigned_idva_id == users["idva"].id
    assert can(users["idva"], "referral.view", case)  # access follows the owner
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "screening.decide")
    ).one()
    assert event.details["version"] == 1 and event.details["route"] == "idva"
    assert "notes" not in event.details and "Call pm" not in str(event.details)


def test_a_revision_is_a_new_version_and_every_version_is_kept(app_ctx):
    users = team()
    case = referral()
    _decide(case.id, decision(users["idva"].id, route="idva"), users["screener"])
    _decide(
        case.id,
        decision(users["screener"].id, based_on=1, route="signpost", signpost_to="Refuge"),
        users["s2s_lead"],
    )
    versions = screening_decisions.decisions_for(case.id)
    assert [(d.version, d.route) for d in versions] == [(2, "signpost"), (1, "idva")]
    assert versions[0].signpost_to == "Refuge"
    # Ownership moved from the IDVA: no longer assigned to them.
    assert case.assigned_idva_id is None and case.assigned_screener_id == users["screener"].id


def test_a_decision_based_on_an_older_version_is_refused_and_writes_nothing(app_ctx):
    users = team()
    case = referral()
    _decide(case.id, decision(users["idva"].id), users["screener"])
    with pytest.raises(StaleDecision) as refused:
        _decide(case.id, decision(users["screener"].id, based_on=0), users["s2s_lead"])
    assert refused.value.current_version == 1
    assert refused.value.current.owner_id == users["idva"].id
    count = db.session.scalar(
        select(db.func.count())
        .select_from(ScreeningDecision)
        .where(ScreeningDecision.referral_id == case.id)
    )
    assert count == 1


def test_every_problem_is_reported_at_once_naming_its_field(app_ctx):
    users = team()
    case = referral(yes=3)  # standard risk: not for MARAC
    with pytest.raises(DecisionInvalid) as refused:
        _decide(
            case.id,
            decision(
                users["referrer"].id, route="signpost", agencies=["nowhere"], notes="x" * 5001
            ),
            users["screener"],
        )
    fields = {e["field"]: e["message"] for e in refused.value.errors}
    assert set(fields) == {"signpost_to", "owner_id", "agencies", "notes"}
    assert fields["owner_id"].startswith("Owner")
    assert fields["signpost_to"].startswith("Signposted to")
    with pytest.raises(DecisionInvalid) as refused:
        _decide(case.id, decision(users["idva"].id, route="no_further_action"), users["screener"])
    assert [e["field"] for e in refused.value.errors] == ["no_action_reason"]
    with pytest.raises(DecisionInvalid) as refused:
        _decide(case.id, decision(users["idva"].id, route="marac"), users["screener"])
    assert [e["field"] for e in refused.value.errors] == ["route"]
    assert "MARAC criteria" in refused.value.errors[0]["message"]
    with pytest.raises(DecisionInvalid) as refused:
        _decide(case.id, decision(users["idva"].id, raise_risk=True), users["screener"])
    assert [e["field"] for e in refused.value.errors] == ["judgement_reason"]


def test_an_inactive_worker_cannot_own_a_case(app_ctx):
    users = team()
    users["idva"].active = False
    case = referral()
    with pytest.raises(DecisionInvalid) as refused:
        _decide(case.id, decision(users["idva"].id), users["screener"])
    assert [e["field"] for e in refused.value.errors] == ["owner_id"]
    assert users["idva"] not in screening_decisions.owner_choices()
    assert users["screener"] in screening_decisions.owner_choices()
    assert users["referrer"] not in screening_decisions.owner_choices()


def test_raising_by_judgement_reassesses_keeps_both_and_plans_the_marac_listing(app_ctx):
    users = team()
    case = referral(yes=5)  # standard, not for MARAC
    old = dict(case.assessment)
    assert (case.risk_level, case.marac) == ("standard", False)
    decided = _decide(
        case.id,
        decision(
            users["idva"].id,
            route="marac",
            raise_risk=True,
            judgement_reason="Escalating threats; victim very frightened",
        ),
        users["screener"],
    )
    assert (case.risk_level, case.marac) == ("high", True)
    assert "professional_judgement" in case.assessment["marac_criteria"]
    assert case.answers["professional_judgement"] is True
    assert (decided.decision.risk_before, decided.decision.risk_after) == ("standard", "high")
    history = db.session.scalars(
        select(AssessmentRecord)
        .where(AssessmentRecord.referral_id == case.id)
        .order_by(AssessmentRecord.sequence)
    ).all()
    assert [(h.sequence, h.cause, h.risk_level) for h in history] == [
        (1, "intake", "standard"),
        (2, "professional_judgement", "high"),
    ]
    assert history[0].assessment == old
    assert history[1].assessment == case.assessment
    assert history[1].decision_id == decided.decision.id
    planned = db.session.scalars(select(DueAction).where(DueAction.id.in_(decided.due_action_ids)))
    assert [a.kind for a in planned] == ["marac_listing"]
    # Judgement cannot be applied twice (and never lowers the level).
    with pytest.raises(DecisionInvalid) as refused:
        _decide(
            case.id,
            decision(users["idva"].id, based_on=1, raise_risk=True, judgement_reason="again"),
            users["screener"],
        )
    assert [e["field"] for e in refused.value.errors] == ["raise_risk"]


def test_raising_a_case_already_for_marac_plans_nothing_new(app_ctx):
    users = team()
    case = referral(yes=15)
    decided = _decide(
        case.id,
        decision(users["idva"].id, raise_risk=True, judgement_reason="Professional concern"),
        users["screener"],
    )
    assert decided.due_action_ids == []
    assert case.risk_level == "high"
    assert case.assessment["marac_criteria"] == ["visible_high_risk", "professional_judgement"]
