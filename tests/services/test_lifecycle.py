"""Closing starts retention; the purge erases what is past it (leaving metadata-only audit
events); the subject-access export holds everything, third-party data marked for redaction."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.audit.helpers import ACTOR, NOW, make_referral
from tests.factories import make_person
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent, Offer
from triage.services import audit, lifecycle, subject_access

pytestmark = pytest.mark.usefixtures("app_ctx")

LATER = NOW + timedelta(days=366 * 7)


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_closing_sets_closed_at_and_the_retention_date_and_is_audited_with_the_reason():
    referral = make_referral()
    lifecycle.close_referral(
        referral.id,
        reason="support_completed",
        actor=ACTOR,
        now=NOW,
        years=app_settings().retention_years,
    )
    assert referral.status == "closed"
    assert referral.closed_at == NOW
    assert referral.retention_until == date(2032, 3, 2)  # six years, the default
    (event,) = _events("referral.close")
    assert event.object_id == str(referral.id) and event.reason is None
    assert event.details["reason_code"] == "support_completed"
    assert event.details["detail_given"] is False
    assert event.details["changes"]["status"] == {"from": "received", "to": "closed"}


def test_the_retention_period_is_configurable(app, monkeypatch):
    monkeypatch.setitem(app.config, "RETENTION_YEARS_AFTER_CLOSURE", 2)
    referral = make_referral()
    lifecycle.close_referral(
        referral.id, reason="moved_away", actor=ACTOR, now=NOW, years=app_settings().retention_years
    )
    assert referral.retention_until == date(2028, 3, 2)


@pytest.mark.parametrize(
    ("closed_at", "expected"),
    [
        # Late evening UTC in summer is already the next day in London.
        (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), date(2032, 7, 1)),
        (datetime(2024, 2, 29, 12, 0, tzinfo=UTC), date(2030, 2, 28)),
    ],
)
def test_the_retention_date_is_a_london_date(closed_at, expected):
    assert lifecycle.retention_until(closed_at, 6) == expected


def test_closing_needs_a_reason_and_an_open_referral():
    referral = make_referral()
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.close_referral(
            referral.id, reason="  ", actor=ACTOR, now=NOW, years=app_settings().retention_years
        )
    lifecycle.close_referral(
        referral.id, reason="duplicate", actor=ACTOR, now=NOW, years=app_settings().retention_years
    )
    with pytest.raises(lifecycle.LifecycleError, match="already closed"):
        lifecycle.close_referral(
            referral.id,
            reason="duplicate",
            actor=ACTOR,
            now=NOW,
            years=app_settings().retention_years,
        )
    with pytest.raises(lifecycle.LifecycleError):
        lifecycle.close_referral(
            999_999, reason="duplicate", actor=ACTOR, now=NOW, years=app_settings().retention_years
        )


def _closed(referral_kwargs=None, closed=NOW):
    referral = make_referral(**(referral_kwargs or {}))
    db.session.add(
        Offer(
            referral_id=referral.id,
            made_at=NOW,
            method="phone",
            outcome="accepted",
            notes="Spoke to her at her sister's flat",
            late_reason_detail="She was at work",
        )
    )
    db.session.flush()
    lifecycle.close_referral(
        referral.id,
        reason="support_completed",
        actor=ACTOR,
        now=closed,
        years=app_settings().retention_years,
    )
    return referral


def test_purge_erases_free_text_and_anonymises_people_past_retention():
    referral = _closed({"police_reference": "CAD-1"})
    victim, perpetrator = referral.victim, referral.perpetrator
    report = lifecycle.purge_expired(now=LATER, actor=ACTOR)
    assert report.referrals == [referral.id]
    assert sorted(report.persons) == sorted([victim.id, perpetrator.id])
    assert referral.detail is None and referral.answer_details == {}
    assert referral.referrer_contact is None and referral.referrer_name == "Erased"
    assert referral.police_reference is None and referral.dash_completed_by is None
    assert referral.answers["professional_judgement_reason"] == ""
    assert referral.answers["dash"] == {"1": "yes"}  # the numbers stay for statistics
    assert (referral.score, referral.risk_level) == (1, "standard")
    assert referral.offers[0].notes is None and referral.offers[0].late_reason_detail is None
    for person in (victim, perpetrator):
        assert person.match_name == "erased" and person.date_of_birth is None
        assert person.anonymised_at == LATER
    # What the referral recorded about its people is erased with it (the equality flags stay
    # for the SafeLives figures).
    for details in referral.people_details:
        assert (details.first_name, details.last_name) == ("Erased", "Erased")
        assert details.date_of_birth is None and details.postcode is None
        assert details.address is None and details.erased_at == LATER
    assert referral.victim_details.racially_minoritised is True


def test_purge_writes_metadata_only_audit_events():
    referral = _closed()
    lifecycle.purge_expired(now=LATER, actor=ACTOR)
    (erase,) = _events("referral.erase")
    assert erase.object_id == str(referral.id)
    assert erase.details == {"reference": referral.reference, "retention_until": "2032-03-02"}
    anonymised = _events("person.anonymise")
    assert {e.object_id for e in anonymised} == {
        str(referral.victim_id),
        str(referral.perpetrator_id),
    }
    assert all(e.details == {} for e in anonymised)
    (summary,) = _events("lifecycle.purge")
    assert summary.details == {"referrals": 1, "persons": 2, "drafts": 0}
    text = json.dumps([e.details for e in _events("referral.erase") + anonymised])
    assert "Acacia" not in text and "Alex" not in text


def test_purge_leaves_referrals_within_retention_and_people_still_in_a_live_referral():
    kept = _closed(closed=LATER - timedelta(days=30))  # retention runs years past LATER
    open_referral = make_referral(victim=make_person())
    shared_victim = open_referral.victim
    expired = _closed({"victim": shared_victim})
    report = lifecycle.purge_expired(now=LATER, actor=ACTOR)
    assert report.referrals == [expired.id]
    assert kept.detail is not None and kept.victim.anonymised_at is None
    assert shared_victim.anonymised_at is None  # still in a live referral
    assert expired.perpetrator.anonymised_at == LATER


def test_purge_is_safe_to_run_twice():
    _closed()
    lifecycle.purge_expired(now=LATER, actor=ACTOR)
    again = lifecycle.purge_expired(now=LATER, actor=ACTOR)
    assert again.referrals == [] and again.persons == []
    assert len(_events("referral.erase")) == 1
    assert audit.verify_stored_chain().ok


def test_subject_access_export_for_a_victim_marks_third_parties_for_redaction():
    referral = _closed()
    victim = referral.victim
    export = subject_access.export_person(victim.id, actor=ACTOR, now=NOW)
    assert export["person"]["id"] == victim.id
    (entry,) = export["referrals"]
    assert entry["recorded_about_you"]["first_name"] == "Alex"
    assert entry["recorded_about_you"]["address"] == "12 Acacia Avenue"
    assert entry["role"] == "victim" and entry["reference"] == referral.reference
    assert entry["detail"] == referral.detail  # her own account
    assert entry["perpetrator"]["redact"] is True
    assert entry["perpetrator"]["value"]["first_name"] == "Pat"
    assert entry["referrer"] == {
        "redact": True,
        "reason": "third party: the referrer's identity",
        "value": {"name": "PC Referrer", "contact": "referrer@police.example", "user_id": None},
    }
    assert entry["offers"][0]["notes"] == "Spoke to her at her sister's flat"
    actions = [e["action"] for e in export["audit_events"]]
    assert "referral.close" in actions
    (event,) = _events("person.export")
    assert event.object_id == str(victim.id)
    assert event.details == {"referrals": [referral.reference], "kind": "subject_access"}


def test_subject_access_export_for_a_perpetrator_redacts_the_victim_and_her_account():
    referral = _closed()
    export = subject_access.export_person(referral.perpetrator_id, actor=ACTOR, now=NOW)
    (entry,) = export["referrals"]
    assert entry["role"] == "perpetrator"
    assert entry["victim"]["redact"] is True
    assert entry["detail"]["redact"] is True and entry["answer_details"]["redact"] is True
    assert entry["offers"][0]["notes"]["redact"] is True


def test_export_of_an_unknown_person_is_refused():
    with pytest.raises(lifecycle.LifecycleError):
        subject_access.export_person(999_999, actor=ACTOR, now=NOW)


def test_purge_and_export_commands(app, tmp_path):
    with app.app_context():
        # Closed seven years before the real clock's today: the CLI purge finds it.
        referral = _closed(closed=datetime.now(UTC) - timedelta(days=366 * 7))
        person_id, referral_id = referral.victim_id, referral.id
        db.session.commit()
    runner = app.test_cli_runner()
    out = tmp_path / "export.json"
    result = runner.invoke(
        args=["triage", "export-person", "--person-id", str(person_id), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["person"]["id"] == person_id
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    result = runner.invoke(args=["triage", "purge"])
    assert result.exit_code == 0, result.output
    assert "Purged 1 referrals, anonymised 2 people" in result.output
    with app.app_context():
        erased = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral.erase")
        ).one()
        assert erased.object_id == str(referral_id) and erased.actor_id == "cli"


def _with_marac_action(referral):
    from triage.models import MaracAction, MaracListing, MaracMeeting

    meeting = MaracMeeting(starts_at=NOW + timedelta(days=3), cutoff_at=NOW, capacity=25)
    db.session.add(meeting)
    db.session.flush()
    # Heard, with its one action blocked: nothing keeps the case open at MARAC.
    listing = MaracListing(
        meeting_id=meeting.id, referral_id=referral.id, move_reason="Moved", status="heard"
    )
    db.session.add(listing)
    db.session.flush()
    action = MaracAction(
        listing_id=listing.id,
        agency="housing",
        description="Move her to the refuge on Mill Lane",
        status="blocked",
        status_note="She went back to 12 Acacia Avenue",
    )
    db.session.add(action)
    db.session.flush()
    return listing, action


def test_purge_erases_marac_move_reasons_and_action_text_but_keeps_the_facts():
    referral = make_referral()
    listing, action = _with_marac_action(referral)
    lifecycle.close_referral(
        referral.id,
        reason="support_completed",
        actor=ACTOR,
        now=NOW,
        years=app_settings().retention_years,
    )
    lifecycle.purge_expired(now=LATER, actor=ACTOR)
    assert listing.move_reason is None
    assert action.description == "Erased" and action.status_note is None
    assert (action.agency, action.status) == ("housing", "blocked")


def test_export_holds_marac_actions_marked_third_party_for_a_perpetrator():
    referral = make_referral()
    _with_marac_action(referral)
    victim = subject_access.export_person(referral.victim_id, actor=ACTOR, now=NOW)
    (action,) = victim["referrals"][0]["marac_listings"][0]["actions"]
    assert action["description"] == "Move her to the refuge on Mill Lane"
    perpetrator = subject_access.export_person(referral.perpetrator_id, actor=ACTOR, now=NOW)
    (action,) = perpetrator["referrals"][0]["marac_listings"][0]["actions"]
    assert action["description"]["redact"] is True
    assert action["status_note"]["redact"] is True


def test_purge_deletes_referral_drafts_nobody_has_saved_for_a_month():
    from tests.factories import make_user
    from triage.models import ReferralDraft
    from triage.services import drafts

    stale_user, fresh_user = make_user(), make_user()
    drafts.save(stale_user.id, {"victim": {"first_name": "Dana"}}, now=NOW)
    drafts.save(fresh_user.id, {"victim": {"first_name": "Sam"}}, now=LATER - timedelta(days=2))
    report = lifecycle.purge_expired(now=LATER, actor=ACTOR)
    assert report.drafts == 1
    owners = db.session.scalars(select(ReferralDraft.user_id)).all()
    assert owners == [fresh_user.id]


def test_only_the_lead_may_override_a_case_open_at_marac():
    from tests.factories import make_user
    from triage.models import MaracListing, MaracMeeting
    from triage.services.actor import Actor

    referral = make_referral()
    meeting = MaracMeeting(starts_at=NOW + timedelta(days=9), cutoff_at=NOW, capacity=25)
    db.session.add(meeting)
    db.session.flush()
    listing = MaracListing(meeting_id=meeting.id, referral_id=referral.id)
    db.session.add(listing)
    db.session.flush()
    screener = Actor.for_user(make_user(roles=["screener"]))
    with pytest.raises(lifecycle.CloseRefused) as refused:
        lifecycle.close_referral(
            referral.id, reason="duplicate", override=True, actor=screener, now=NOW, years=6
        )
    assert refused.value.blockers.listings == [listing]
    assert referral.status == "received" and listing.status == "listed"
    lead = Actor.for_user(make_user(roles=["s2s_lead"]))
    lifecycle.close_referral(
        referral.id, reason="duplicate", override=True, actor=lead, now=NOW, years=6
    )
    assert referral.status == "closed" and listing.status == "withdrawn"


def test_the_purge_erases_the_closure_detail_but_keeps_its_code():
    referral = make_referral()
    lifecycle.close_referral(
        referral.id,
        reason="referred_elsewhere",
        detail="Refuge in Leeds, arranged by her sister",
        actor=ACTOR,
        now=NOW,
        years=6,
    )
    lifecycle.purge_expired(now=LATER, actor=ACTOR)
    assert referral.closure_detail is None and referral.closure_reason == "referred_elsewhere"


def test_a_reason_needing_detail_is_refused_without_it():
    referral = make_referral()
    with pytest.raises(lifecycle.LifecycleError, match="Details"):
        lifecycle.close_referral(
            referral.id, reason="referred_elsewhere", detail=" ", actor=ACTOR, now=NOW, years=6
        )
    with pytest.raises(lifecycle.LifecycleError, match="Reason for closing"):
        lifecycle.close_referral(referral.id, reason="bored", actor=ACTOR, now=NOW, years=6)


def test_a_case_closed_before_its_listing_job_runs_is_never_listed():
    from tests.factories import make_user
    from tests.intake_support import NOW as RECEIVED
    from tests.intake_support import referral_data
    from triage.models import DueAction, MaracListing
    from triage.services.actor import Actor
    from triage.services.due_action_run import run_due_action
    from triage.services.referral_creation import create_referral

    referrer = Actor.for_user(make_user(roles=["referrer"]))
    referral = create_referral(
        referral_data(yes=15), actor=referrer, now=RECEIVED, settings=app_settings()
    ).referral
    lifecycle.close_referral(referral.id, reason="duplicate", actor=ACTOR, now=RECEIVED, years=6)
    action = db.session.scalar(
        select(DueAction).where(
            DueAction.referral_id == referral.id, DueAction.kind == "marac_listing"
        )
    )
    result = run_due_action(action.id, now=RECEIVED, actor=ACTOR, settings=app_settings())
    assert result["outcome"] == "referral closed"
    assert not db.session.scalars(
        select(MaracListing).where(MaracListing.referral_id == referral.id)
    ).all()
