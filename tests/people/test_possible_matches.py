"""The screening team's "possible earlier referral" tasks, and who sees what matching finds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.intake_support import NOW, referral_data
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent, Person, PossibleMatch
from triage.services import possible_matches
from triage.services.actor import Actor
from triage.services.person_details import Viewer, recorded_elsewhere
from triage.services.referral_creation import create_referral

pytestmark = pytest.mark.usefixtures("app_ctx")
LATER = datetime(2026, 5, 5, 11, 0, tzinfo=UTC)


def _by(roles: list[str]) -> Actor:
    return Actor.for_user(make_user(roles=roles))


def _create(actor: Actor, **changes):
    return create_referral(
        referral_data(**changes), actor=actor, now=NOW, settings=app_settings()
    ).referral


def _tasks(referral_id: int) -> list[PossibleMatch]:
    return list(
        db.session.scalars(
            select(PossibleMatch)
            .where(PossibleMatch.referral_id == referral_id)
            .order_by(PossibleMatch.role.desc())
        )
    )


def test_a_system_actor_sees_every_case_so_exact_matches_join():
    first = _create(Actor.system("import"))
    second = _create(Actor.system("import"), police_reference="SYS-2")
    assert second.victim_id == first.victim_id and _tasks(second.id) == []


def test_the_screening_team_is_given_each_unseen_match_once_per_role():
    first = _create(_by(["referrer"]))
    second = _create(_by(["referrer"]), victim={"postcode": "N1 9ZZ"})
    tasks = _tasks(second.id)
    assert [(t.role, t.kind, t.person_id, t.status) for t in tasks] == [
        ("victim", "exact", first.victim_id, "open"),
        ("perpetrator", "exact", first.perpetrator_id, "open"),
    ]
    event = db.session.scalar(
        select(AuditEvent.details).where(
            AuditEvent.action == "referral.create", AuditEvent.object_id == str(second.id)
        )
    )
    assert event["victim_match"] == "new" and event["possible_earlier_referrals"] == 2
    assert [t.id for t in possible_matches.open_tasks(second.id)] == [t.id for t in tasks]


def test_linking_names_the_earlier_person_and_drops_the_record_made_for_this_referral():
    first = _create(_by(["referrer"]))
    second = _create(_by(["referrer"]))
    made_for_it = second.victim_id
    victim_task = _tasks(second.id)[0]
    screener = _by(["screener"])
    possible_matches.resolve(
        victim_task.id, "linked", actor=screener, now=LATER, settings=app_settings()
    )
    assert second.victim_id == first.victim_id
    assert db.session.get(Person, made_for_it) is None
    assert (victim_task.status, victim_task.resolved_by_id) == ("linked", screener.user_id)
    assert victim_task.resolved_at == LATER
    # The first case still shows what it recorded; both now appear to the screening team
    # as records of the same person, each labelled with its own referral.
    elsewhere = recorded_elsewhere(first.victim_id, Viewer(None), besides=second.id)
    assert [d.referral_id for d in elsewhere] == [first.id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.match_linked"))
    assert event.details == {
        "reference": second.reference,
        "role": "victim",
        "person_id": first.victim_id,
    }


def test_dismissing_keeps_the_new_record_and_a_task_is_checked_once():
    first = _create(_by(["referrer"]))
    second = _create(_by(["referrer"]))
    task = _tasks(second.id)[0]
    screener = _by(["screener"])
    possible_matches.resolve(
        task.id, "dismissed", actor=screener, now=LATER, settings=app_settings()
    )
    assert second.victim_id != first.victim_id and task.status == "dismissed"
    with pytest.raises(possible_matches.MatchTaskError, match="already been checked"):
        possible_matches.resolve(
            task.id, "linked", actor=screener, now=LATER, settings=app_settings()
        )


def test_a_bad_outcome_or_task_is_refused():
    _create(_by(["referrer"]))
    second = _create(_by(["referrer"]))
    task = _tasks(second.id)[0]
    with pytest.raises(possible_matches.MatchTaskError, match="Outcome must be"):
        possible_matches.resolve(
            task.id, "merge", actor=Actor.system("t"), now=LATER, settings=app_settings()
        )
    with pytest.raises(possible_matches.MatchTaskError, match="No such task"):
        possible_matches.resolve(
            999_999, "linked", actor=Actor.system("t"), now=LATER, settings=app_settings()
        )
    assert task.status == "open"


def test_the_referrers_own_earlier_case_is_joined_without_a_task():
    actor = _by(["referrer"])
    first = _create(actor)
    second = _create(actor, victim={"postcode": "N1 9ZZ"})
    assert second.victim_id == first.victim_id and _tasks(second.id) == []


def test_an_idva_joins_the_cases_assigned_to_them():
    idva = _by(["idva"])
    first = _create(_by(["referrer"]))
    first.assigned_idva_id = idva.user_id
    db.session.flush()
    second = _create(idva)
    assert second.victim_id == first.victim_id and _tasks(second.id) == []


def test_a_viewer_for_a_missing_user_is_refused():
    with pytest.raises(ValueError, match="does not exist"):
        Viewer.for_actor(Actor("user", "999999", user_id=999_999))


def test_a_later_referrals_task_follows_the_record_it_pointed_at_when_that_is_linked():
    first = _create(_by(["referrer"]))  # Amira Khan
    second = _create(_by(["referrer"]), victim={"last_name": "Kahn"})  # near the first
    # Near the second's record only ("Kahnn" is two edits from "Khan").
    third = _create(_by(["referrer"]), victim={"last_name": "Kahnn"})
    made_for_second = second.victim_id
    assert [t.person_id for t in _tasks(third.id) if t.role == "victim"] == [made_for_second]
    possible_matches.resolve(
        _tasks(second.id)[0].id,
        "linked",
        actor=_by(["screener"]),
        now=LATER,
        settings=app_settings(),
    )
    assert second.victim_id == first.victim_id
    victim_tasks = [t for t in _tasks(third.id) if t.role == "victim"]
    # Not lost with the dropped record: it now names the person that record was linked to.
    assert [(t.person_id, t.status) for t in victim_tasks] == [(first.victim_id, "open")]
