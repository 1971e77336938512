"""The audit service: what an event carries, the personal-data guard, diff(), a failed audit
write undoing the change, and one event per action across the services (table-driven)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.audit.helpers import ACTOR, NOW, make_referral
from tests.factories import TEST_PASSWORD, make_user
from tests.settings_support import app_settings, marac_args
from triage.extensions import db
from triage.models import AuditEvent, DueAction, Referral
from triage.services import accounts, audit, lifecycle, subject_access
from triage.services.actor import Actor
from triage.services.calendar import current_calendar

WEB_ACTOR = Actor("user", "7", request_id="req-123", ip="203.0.113.9", user_id=7)


@pytest.mark.usefixtures("app_ctx")
def test_an_event_carries_time_actor_action_object_details_reason_request_and_ip():
    event = audit.record(
        "referral.close",
        WEB_ACTOR,
        object_type="referral",
        object_id=12,
        details={"reference": "R000012"},
        reason="support_ended",
        now=datetime(2026, 3, 2, 10, 0, 0, 999, tzinfo=UTC),
    )
    # Queued until the commit; a read of the trail in the same transaction appends it first.
    stored = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.close")
    ).one()
    assert stored is event
    assert stored.occurred_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert (stored.actor_type, stored.actor_id) == ("user", "7")
    assert (stored.action, stored.object_type, stored.object_id) == (
        "referral.close",
        "referral",
        "12",
    )
    assert stored.details == {"reference": "R000012"} and stored.reason == "support_ended"
    assert (stored.request_id, stored.ip) == ("req-123", "203.0.113.9")
    assert stored.hash == audit.chain_hash(stored.prev_hash, stored)


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize("key", sorted(audit.FORBIDDEN_DETAIL_KEYS))
def test_personal_keys_in_details_are_refused(key):
    with pytest.raises(ValueError, match="personal data"):
        audit.record("x.y", ACTOR, details={key: "Jane Doe, 1 High Street"})
    with pytest.raises(audit.AuditDetailsRefused):
        audit.record("x.y", ACTOR, details={"changes": [{"victim": {key.upper(): "x"}}]})
    assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "x.y")) is None


@pytest.mark.usefixtures("app_ctx")
def test_identifying_details_are_accepted():
    event = audit.record(
        "x.y", ACTOR, details={"reference": "R000001", "referral_id": 1, "kind": "reminder"}
    )
    audit.flush_queued()
    assert event.seq >= 1


def test_diff_lists_changed_fields_and_hides_the_values_of_personal_ones():
    before = {"status": "received", "notes": "Spoke to her", "score": 3, "gone": 1}
    after = {"status": "closed", "notes": "Changed note", "score": 3, "new": 2}
    assert audit.diff(before, after, redact=["new"]) == {
        "status": {"from": "received", "to": "closed"},
        "gone": {"from": 1, "to": None},
        "changed_without_values": ["new", "notes"],
    }
    assert audit.diff({"a": 1}, {"a": 1}) == {}


def test_a_failed_audit_write_leaves_no_data_change(app, committed, monkeypatch):
    with app.app_context():
        referral_id = make_referral().id
        audit.record("test.first", ACTOR)
        db.session.commit()
    with app.app_context():
        # The audit write collides with an existing sequence number (what a forked chain
        # would do): the unique constraint refuses it at the commit, where the queued event
        # is appended, and the whole transaction fails with it.
        monkeypatch.setattr(audit, "_chain_head", lambda: (0, audit.GENESIS_HASH))
        with pytest.raises(IntegrityError):
            lifecycle.close_referral(
                referral_id,
                reason="support_completed",
                actor=ACTOR,
                now=NOW,
                years=app_settings().retention_years,
            )
            db.session.commit()
        db.session.rollback()
        monkeypatch.undo()
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.status == "received" and referral.closed_at is None
        actions = db.session.scalars(select(AuditEvent.action)).all()
        assert actions == ["test.first"]


# --------------------------------------------------------------------- one event per action


def _user_create():
    user = accounts.create_user(
        email="new.user@example.test",
        name="New User",
        agency="Police",
        roles=["idva"],
        password=TEST_PASSWORD + "-x",
        actor=ACTOR,
        now=NOW,
    )
    return "user", user.id


def _sign_in_failed():
    user = make_user()
    accounts.check_sign_in(user.email, "wrong password entirely", ACTOR, now=NOW)
    return "user", user.id


def _referral_create():
    from tests.api.conftest import referral_payload
    from triage.services.referral_creation import create_referral

    referral = create_referral(
        referral_payload(), actor=ACTOR, now=datetime.now(UTC), settings=app_settings()
    ).referral
    return "referral", referral.id


def _offer_record():
    from triage.services import offers

    referral = make_referral()
    offer = offers.record_contact(
        referral.id,
        made_at=NOW,
        method="phone",
        outcome="accepted",
        notes=None,
        late_reason=None,
        actor=ACTOR,
        now=NOW,
        calendar=current_calendar(app_settings().calendar),
    )
    return "referral", offer.referral_id


def _marac_list():
    from tests.marac_support import make_referral as make_marac_referral
    from triage.services import marac_listing, marac_meetings

    marac_meetings.ensure_meetings(now=NOW, weeks=6, actor=ACTOR, **marac_args())
    referral = make_marac_referral(NOW)
    listing = marac_listing.list_referral(referral.id, now=NOW, actor=ACTOR, **marac_args())
    return "marac_listing", listing.id


def _due_action_run():
    from triage.services import due_action_plan, due_action_run

    referral = make_referral(received_at=NOW)
    referral.offer_due_at = NOW + timedelta(days=1)
    db.session.flush()
    ids = due_action_plan.plan_for_referral(referral, now=NOW, actor=ACTOR, settings=app_settings())
    action = db.session.get(DueAction, ids[0])
    due_action_run.run_due_action(
        action.id, now=action.due_at, actor=ACTOR, settings=app_settings()
    )
    return "due_action", action.id


def _referral_close():
    referral = make_referral()
    lifecycle.close_referral(
        referral.id,
        reason="support_completed",
        actor=ACTOR,
        now=NOW,
        years=app_settings().retention_years,
    )
    return "referral", referral.id


def _referral_erase():
    referral = make_referral()
    lifecycle.close_referral(
        referral.id,
        reason="support_completed",
        actor=ACTOR,
        now=NOW,
        years=app_settings().retention_years,
    )
    lifecycle.purge_expired(now=NOW + timedelta(days=366 * 7), actor=ACTOR)
    return "referral", referral.id


def _person_anonymise():
    referral = make_referral(with_perpetrator=False)
    lifecycle.close_referral(
        referral.id,
        reason="support_completed",
        actor=ACTOR,
        now=NOW,
        years=app_settings().retention_years,
    )
    lifecycle.purge_expired(now=NOW + timedelta(days=366 * 7), actor=ACTOR)
    return "person", referral.victim_id


def _person_export():
    referral = make_referral()
    subject_access.export_person(referral.victim_id, actor=ACTOR, now=NOW)
    return "person", referral.victim_id


ACTIONS: list[tuple[str, Callable[[], tuple[str, int]]]] = [
    ("user.create", _user_create),
    ("auth.sign_in_failed", _sign_in_failed),
    ("referral.create", _referral_create),
    ("offer.record", _offer_record),
    ("marac.list", _marac_list),
    ("due_action.run", _due_action_run),
    ("referral.close", _referral_close),
    ("referral.erase", _referral_erase),
    ("person.anonymise", _person_anonymise),
    ("person.export", _person_export),
]


@pytest.mark.usefixtures("app_ctx")
@pytest.mark.parametrize(("action", "do"), ACTIONS, ids=[a for a, _ in ACTIONS])
def test_each_action_writes_exactly_one_event_naming_its_object(action, do):
    object_type, object_id = do()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()
    assert len(events) == 1, [e.action for e in events]
    assert (events[0].object_type, events[0].object_id) == (object_type, str(object_id))
    assert audit.verify_stored_chain().ok


def test_sign_out_and_a_refused_page_each_write_one_event(app, client, login_as):
    user = login_as("referrer")
    assert client.get("/admin/audit/").status_code == 403
    from tests.web.test_sign_in import csrf_token

    client.post("/sign-out", data={"csrf_token": csrf_token(client, "/account")})
    with app.app_context():
        rows = db.session.execute(
            select(AuditEvent.action, AuditEvent.object_type, AuditEvent.object_id)
            .where(AuditEvent.action.in_(["access.denied", "auth.sign_out"]))
            .order_by(AuditEvent.seq)
        ).all()
        assert [r.action for r in rows] == ["access.denied", "auth.sign_out"]
        assert (rows[1].object_type, rows[1].object_id) == ("user", str(user.id))


def test_viewing_a_case_writes_one_consultation_event_and_a_refusal_one_denial(
    app, client, login_as
):
    from tests.marac_support import make_referral as make_assessed_referral

    screener = login_as("screener")
    with app.app_context():
        referral_id = make_assessed_referral(NOW).id  # a real stored assessment, for the page
        db.session.commit()
    assert client.get(f"/referrals/{referral_id}").status_code == 200
    with app.app_context():
        (viewed,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral.view")
        ).all()
        assert (viewed.object_type, viewed.object_id) == ("referral", str(referral_id))
        assert viewed.actor_id == str(screener.id) and viewed.ip and viewed.request_id
    login_as("referrer")  # not the referrer of this case
    assert client.get(f"/referrals/{referral_id}").status_code == 404
    with app.app_context():
        (denied,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.denied")
        ).all()
        assert (denied.object_type, denied.object_id) == ("referral", str(referral_id))


def test_a_full_sign_in_writes_one_sign_in_event_with_request_id_and_ip(app, client):
    from tests.web.test_sign_in import add_user, sign_in

    user_id = add_user(app, roles=["idva"], email="one.event@example.test")
    response = sign_in(client, "one.event@example.test")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    with app.app_context():
        (event,) = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "auth.sign_in")
        ).all()
        assert (event.object_type, event.object_id) == ("user", str(user_id))
        assert event.request_id and event.ip and event.details["method"]
        assert audit.verify_stored_chain().ok
