"""The intake service: one way in for the form, the API and the CSV import."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_person, make_user
from tests.intake_support import NOW, facts_of, referral_data
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent, DueAction, Person, Referral
from triage.rules import Assessment, assess, default_ruleset
from triage.services.actor import Actor
from triage.services.intake_validation import IntakeInvalid
from triage.services.referral_creation import create_referral
from triage.services.referral_summary import facts_for, referral_summary

pytestmark = pytest.mark.usefixtures("app_ctx")


@pytest.fixture
def actor():
    user = make_user(roles=["referrer"])
    return Actor.for_user(user)


def counts() -> tuple[int, int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Referral, Person, AuditEvent, DueAction)
    )


def create(data, actor, now=NOW, **kwargs) -> Referral:
    return create_referral(data, actor=actor, now=now, settings=app_settings(), **kwargs).referral


# --------------------------------------------------------------------------- valid referrals


def test_stored_assessment_is_the_rule_engines_for_the_same_facts(actor):
    data = referral_data(yes=15, police_callouts_12m=1, victim_needs=["mental_health"])
    referral = create(data, actor)

    expected = assess(facts_of(data), default_ruleset())
    assert Assessment.from_dict(referral.assessment) == expected
    assert referral.ruleset_version == expected.ruleset_version == "2026.1-dash"
    assert (referral.score, referral.risk_level, referral.marac, referral.mcic) == (
        15,
        "high",
        True,
        False,
    )
    # Replay gets back exactly the facts it was decided on.
    assert assess(facts_for(referral)) == expected
    assert referral.answers["dash"]["1"] == "yes" and len(referral.answers["dash"]) == 24


def test_stores_the_referral_people_and_free_text(actor):
    data = referral_data(
        yes=3,
        police_reference="CAD-123/05MAY",
        dash_details={2: "  Says she is terrified.  ", "3": ""},
    )
    referral = create(data, actor)
    db.session.expire_all()
    stored = db.session.get(Referral, referral.id)
    assert stored.referrer_id == actor.user_id
    assert stored.source_agency == "police"
    assert stored.police_reference == "CAD-123/05MAY"
    assert stored.children_in_household == 2
    assert stored.answer_details == {"2": "Says she is terrified."}
    assert stored.consent_basis == "consent"
    assert stored.dash_completed_on == date(2026, 5, 5)
    victim = stored.victim_details
    assert victim.display_name == "Amira Khan"
    assert victim.postcode == "E15 1AA"
    assert victim.address == "1 Example Road"
    assert victim.date_of_birth == date(1991, 4, 12)
    assert victim.racially_minoritised is True and victim.lgbt is None
    assert victim.recorded_at == NOW and victim.recorded_by_id == actor.user_id
    assert stored.victim.match_name == "amira|khan"
    assert stored.victim.date_of_birth == date(1991, 4, 12)
    assert stored.perpetrator_details.display_name == "Daniel Reed"
    assert stored.received_at == datetime(2026, 5, 5, 8, 30, tzinfo=UTC)


def test_received_at_defaults_to_now_and_scheduling_plans_the_offer(actor):
    data = referral_data(yes=14)
    del data["received_at"]
    created = create_referral(data, actor=actor, now=NOW, settings=app_settings())
    referral = created.referral
    assert referral.received_at == NOW
    # Received Tuesday (London) -> due Wednesday 17:00 London (16:00 UTC in summer time).
    assert referral.offer_due_at == datetime(2026, 5, 6, 16, 0, tzinfo=UTC)
    kinds = set(
        db.session.scalars(select(DueAction.kind).where(DueAction.referral_id == referral.id))
    )
    assert {"offer_reminder", "offer_escalation", "marac_listing"} <= kinds
    assert set(created.due_action_ids) == set(
        db.session.scalars(select(DueAction.id).where(DueAction.referral_id == referral.id))
    )


def test_audit_event_identifies_without_copying_personal_data(actor):
    referral = create(referral_data(yes=15, police_reference="PR-1"), actor)
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "referral.create", AuditEvent.object_id == str(referral.id)
        )
    )
    assert event.actor_id == str(actor.user_id)
    assert event.object_type == "referral"
    assert event.details["reference"] == referral.reference
    assert event.details["risk_level"] == "high"
    assert event.details["marac_criteria"] == ["visible_high_risk"]
    text = str(event.details)
    for personal in ("Amira", "Khan", "Reed", "Example Road", "E15", "shouting", "PR-1"):
        assert personal not in text


@pytest.mark.parametrize(
    ("overrides", "risk_level", "criteria", "mcic"),
    [
        # DOMAIN.md: 14 or more yes -> high, visible high risk.
        ({"yes": 14}, "high", ["visible_high_risk"], False),
        ({"yes": 13}, "medium", [], False),
        ({"yes": 9}, "standard", [], False),
        # 3 call-outs reach the default threshold: potential escalation, whatever the score.
        ({"yes": 2, "police_callouts_12m": 3}, "standard", ["potential_escalation"], False),
        ({"yes": 2, "police_callouts_12m": 2}, "standard", [], False),
        # Professional judgement raises to high and is a criterion on its own.
        (
            {
                "yes": 4,
                "professional_judgement": True,
                "professional_judgement_reason": "Recent threats with a knife",
            },
            "high",
            ["professional_judgement"],
            False,
        ),
        # Alcohol + mental health: two complex needs -> MCIC.
        ({"yes": 5, "victim_needs": ["mental_health", "alcohol"]}, "standard", [], True),
        # One need, perpetrator under MAPPA -> MCIC.
        (
            {"yes": 5, "victim_needs": ["drugs"], "perpetrator_management": ["mappa"]},
            "standard",
            [],
            True,
        ),
        ({"yes": 5, "victim_needs": ["drugs"]}, "standard", [], False),
    ],
)
def test_domain_cases(actor, overrides, risk_level, criteria, mcic):
    yes = overrides.pop("yes")
    referral = create(referral_data(yes=yes, **overrides), actor)
    assert referral.risk_level == risk_level
    assert referral.assessment["marac_criteria"] == criteria
    assert referral.marac is bool(criteria)
    assert referral.mcic is mcic


def test_incomplete_checklist_is_accepted_and_shown(actor):
    dash = {n: ("yes" if n <= 4 else "not_asked") for n in range(1, 25)}
    referral = create(referral_data(dash=dash), actor)
    summary = referral_summary(referral)
    assert summary["answered"] == 4 and summary["complete"] is False
    assert "only 4 of 24 questions were answered yes or no" in summary["reasons"][0]


def test_a_checklist_with_no_answers_needs_no_completer(actor):
    data = referral_data(dash={}, dash_completed_by=None, dash_completed_on=None)
    referral = create(data, actor)
    assert referral.score == 0 and referral.answers["dash"]["24"] == "not_asked"


def test_json_shaped_input_gives_the_same_assessment(actor):
    """The API and CSV import send strings for dates and question numbers."""
    data = referral_data(yes=14, police_reference="A-1")
    as_json = referral_data(yes=0, police_reference="A-2")
    as_json["dash"] = {str(n): answer for n, answer in data["dash"].items()}
    as_json["received_at"] = data["received_at"].isoformat()
    as_json["dash_completed_on"] = "2026-05-05"
    as_json["victim"] = {**data["victim"], "date_of_birth": "1991-04-12"}
    as_json["perpetrator"] = {**data["perpetrator"], "date_of_birth": "1988-09-03"}
    first = create(data, actor)
    second = create(as_json, actor)
    assert first.assessment == second.assessment
    assert second.victim_id == first.victim_id  # the same person, matched exactly


def test_summary_for_the_result_page(actor):
    data = referral_data(yes=15, victim_needs=["alcohol", "mental_health"])
    summary = referral_summary(create(data, actor))
    assert summary["score"] == 15 and summary["questions"] == 24
    assert summary["risk_level_label"] == "High"
    assert summary["marac_criteria"] == [
        {"name": "visible_high_risk", "title": "Visible high risk"}
    ]
    assert summary["mcic"] is True
    assert [n["label"] for n in summary["mcic_needs"]] == ["Alcohol misuse", "Mental health"]
    assert summary["pathway"] == "complex_case"
    assert summary["offer_due_at"] == "2026-05-06T16:00:00+00:00"
    assert summary["repeat"] is False and summary["last_marac_referral_at"] is None


def test_explicit_ruleset_is_used(actor):
    text = default_ruleset().source.replace('version: "2026.1-dash"', 'version: "test.2-dash"')
    text = text.replace("threshold: 3", "threshold: 2")
    from triage.rules import parse_ruleset

    ruleset = parse_ruleset(text)
    referral = create(referral_data(yes=1, police_callouts_12m=2), actor, ruleset=ruleset)
    assert referral.ruleset_version == "test.2-dash"
    assert referral.assessment["marac_criteria"] == ["potential_escalation"]


# --------------------------------------------------------------------------- invalid referrals


def test_every_problem_is_reported_at_once_and_nothing_is_stored(actor):
    before = counts()
    data = referral_data(
        source_agency="pigeon",
        referrer_name="  ",
        police_callouts_12m=-1,
        professional_judgement=True,
        professional_judgement_reason="",
        victim_needs=["alcohol", "gambling"],
        consent_basis=None,
        children_in_household=-2,
        received_at=NOW + timedelta(hours=1),
        colour="blue",
    )
    data["victim"] = {"first_name": "", "last_name": "Khan", "date_of_birth": "31/02/1990"}
    data["perpetrator"] = {"first_name": "Daniel", "last_name": "", "postcode": "nowhere"}
    data["dash"] = {1: "yes", 25: "yes", "3": "maybe"}
    with pytest.raises(IntakeInvalid) as caught:
        create(data, actor)
    fields = caught.value.fields()
    assert {
        "colour",
        "source_agency",
        "referrer_name",
        "received_at",
        "victim.first_name",
        "victim.date_of_birth",
        "perpetrator.last_name",
        "perpetrator.postcode",
        "children_in_household",
        "consent_basis",
        # The rule engine's problems, under the same names.
        "dash.25",
        "dash.3",
        "police_callouts_12m",
        "professional_judgement_reason",
        "victim_needs[1]",
    } <= fields
    assert all(e["message"][:1].isupper() for e in caught.value.errors)
    assert counts() == before


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"source_agency": None}, "source_agency"),
        ({"referrer_name": "x" * 201}, "referrer_name"),
        ({"police_reference": "y" * 51}, "police_reference"),
        ({"received_at": datetime(2026, 5, 1, 9, 0)}, "received_at"),  # naive
        ({"received_at": "yesterday"}, "received_at"),
        ({"victim": None}, "victim"),
        ({"victim": {"last_name": "!!!"}}, "victim.last_name"),
        ({"victim": {"date_of_birth": date(2030, 1, 1)}}, "victim.date_of_birth"),
        ({"victim": {"date_of_birth": date(2015, 1, 1)}}, "victim.date_of_birth"),  # aged 11
        ({"victim": {"date_of_birth": datetime(1990, 1, 1, tzinfo=UTC)}}, "victim.date_of_birth"),
        ({"victim": {"gender": "robot"}}, "victim.gender"),
        ({"victim": {"lgbt": "yes"}}, "victim.lgbt"),
        ({"victim": {"nickname": "Ami"}}, "victim.nickname"),
        ({"perpetrator": {"date_of_birth": "1899-12-31"}}, "perpetrator.date_of_birth"),
        ({"children_in_household": None}, "children_in_household"),
        ({"children_in_household": True}, "children_in_household"),
        ({"children_in_household": 31}, "children_in_household"),
        ({"dash": "all yes"}, "dash"),
        ({"dash_details": {99: "text"}}, "dash_details.99"),
        ({"dash_details": {1: "z" * 2001}}, "dash_details.1"),
        ({"police_callouts_12m": None}, "police_callouts_12m"),
        ({"police_callouts_12m": "3"}, "police_callouts_12m"),
        ({"professional_judgement": "yes"}, "professional_judgement"),
        ({"perpetrator_management": ["iom", "iom"]}, "perpetrator_management[1]"),
        ({"dash_completed_by": None}, "dash_completed_by"),
        ({"dash_completed_on": None}, "dash_completed_on"),
        ({"dash_completed_on": date(2026, 5, 6)}, "dash_completed_on"),
        ({"consent_basis": "because"}, "consent_basis"),
        ({"detail": "d" * 10_001}, "detail"),
        ({"victim_person_id": "12"}, "victim_person_id"),
        ({"perpetrator": None, "perpetrator_person_id": 5}, "perpetrator_person_id"),
        # Values of the wrong type (a list where a code is expected) are errors, not crashes.
        ({"consent_basis": ["consent"]}, "consent_basis"),
        ({"source_agency": ["police"]}, "source_agency"),
    ],
)
def test_each_kind_of_invalid_input(actor, overrides, field):
    before = counts()
    with pytest.raises(IntakeInvalid) as caught:
        create(referral_data(yes=3, **overrides), actor)
    assert field in caught.value.fields(), caught.value.errors
    assert counts() == before


def test_police_reference_is_unique(actor):
    create(referral_data(police_reference="CAD 42"), actor)
    with pytest.raises(IntakeInvalid) as caught:
        create(referral_data(police_reference="cad 42"), actor)
    assert caught.value.fields() == {"police_reference"}


def test_victim_and_perpetrator_cannot_be_the_same_person(actor):
    same = {"first_name": "Amira", "last_name": "Khan", "date_of_birth": date(1991, 4, 12)}
    with pytest.raises(IntakeInvalid) as caught:
        create(referral_data(perpetrator=same), actor)
    assert "perpetrator" in caught.value.fields()


def test_not_a_mapping():
    with pytest.raises(IntakeInvalid):
        create_referral(["no"], actor=Actor.system("t"), now=NOW, settings=app_settings())  # type: ignore[arg-type]


def test_now_must_be_aware(actor):
    with pytest.raises(ValueError, match="aware"):
        create(referral_data(), actor, now=datetime(2026, 5, 5, 10, 0))


# --------------------------------------------------------------------------- people and repeats


def test_exact_match_reuses_the_person(actor):
    first = create(referral_data(), actor)
    again = referral_data(
        victim={"first_name": " amira ", "last_name": "KHAN", "postcode": "E15 9ZZ"},
        received_at=NOW,
    )
    second = create(again, actor)
    assert second.victim_id == first.victim_id
    assert second.perpetrator_id == first.perpetrator_id
    # Each referral keeps what it recorded: the second never rewrites the first.
    assert second.victim_details.postcode == "E15 9ZZ"
    assert second.victim_details.first_name == "amira"
    db.session.expire_all()
    assert first.victim_details.postcode == "E15 1AA"
    assert first.victim_details.first_name == "Amira"


def test_near_match_is_never_merged_silently(actor):
    first = create(referral_data(), actor)
    typo = referral_data(victim={"last_name": "Kahn"}, received_at=NOW)
    second = create(typo, actor)
    assert second.victim_id != first.victim_id
    audit = db.session.scalar(
        select(AuditEvent.details).where(AuditEvent.object_id == str(second.id))
    )
    assert audit["victim_match"] == "new"


def test_confirmed_near_match_is_used(actor):
    first = create(referral_data(), actor)
    typo = referral_data(
        victim={"last_name": "Kahn"}, received_at=NOW, victim_person_id=first.victim_id
    )
    second = create(typo, actor)
    assert second.victim_id == first.victim_id
    assert second.victim_details.last_name == "Kahn"  # as this referral recorded it
    assert first.victim_details.last_name == "Khan"  # the earlier case keeps its own


def test_a_confirmed_person_must_be_one_of_the_matches(actor):
    stranger = make_person(first_name="Zed", last_name="Other")
    with pytest.raises(IntakeInvalid) as caught:
        create(referral_data(victim_person_id=stranger.id), actor)
    assert caught.value.fields() == {"victim_person_id"}


def _marac_then(actor, first_at, second_at, *, first_yes=15, **second):
    first = referral_data(yes=first_yes, received_at=first_at, dash_completed_on=first_at.date())
    create(first, actor, now=first_at)
    data = referral_data(yes=2, received_at=second_at, dash_completed_on=second_at.date(), **second)
    return create(data, actor, now=second_at)


def test_repeat_within_twelve_months(actor):
    referral = _marac_then(
        actor,
        datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 5, 3, 9, 0, tzinfo=UTC),
    )
    assert referral.assessment["marac_criteria"] == ["repeat"]
    assert referral.marac is True
    summary = referral_summary(referral)
    assert summary["repeat"] is True
    assert summary["last_marac_referral_at"] == "2026-01-10T09:00:00+00:00"
    assert any(
        r.startswith("Repeat: last referred to MARAC on 10 Jan 2026") for r in summary["reasons"]
    )


def test_no_repeat_after_twelve_months(actor):
    referral = _marac_then(
        actor,
        datetime(2025, 3, 1, 9, 0, tzinfo=UTC),
        datetime(2026, 5, 3, 9, 0, tzinfo=UTC),
    )
    assert referral.marac is False
    assert referral_summary(referral)["last_marac_referral_at"] == "2025-03-01T09:00:00+00:00"


def test_no_repeat_when_the_earlier_referral_was_not_for_marac(actor):
    referral = _marac_then(
        actor,
        datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 5, 3, 9, 0, tzinfo=UTC),
        first_yes=3,
    )
    assert referral.marac is False


def test_no_repeat_with_another_perpetrator(actor):
    referral = _marac_then(
        actor,
        datetime(2026, 1, 10, 9, 0, tzinfo=UTC),
        datetime(2026, 5, 3, 9, 0, tzinfo=UTC),
        perpetrator={"first_name": "Someone", "last_name": "Else"},
    )
    assert referral.marac is False


def test_a_list_for_a_persons_gender_is_an_error_not_a_crash(actor):
    data = referral_data(yes=3)
    data["victim"] = {**data["victim"], "gender": ["female"]}
    with pytest.raises(IntakeInvalid) as caught:
        create(data, actor)
    assert "victim.gender" in caught.value.fields()
