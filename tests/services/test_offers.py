"""Recording S2S support offers: validation, on time at the due instant, late needs a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.marac_support import ACTOR, make_referral
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent, Notification
from triage.services.calendar import current_calendar
from triage.services.notifications import notify
from triage.services.offers import (
    OfferError,
    attempt_count,
    is_on_time,
    reached_victim,
    record_contact,
)

RECEIVED = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)  # Monday 09:00 -> due Tuesday 17:00
DUE = datetime(2026, 2, 3, 17, 0, tzinfo=UTC)
NOW = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)


def _record(referral, **changes):
    values = {
        "made_at": DUE,
        "method": "phone",
        "outcome": "accepted",
        "notes": None,
        "late_reason": None,
        "actor": ACTOR,
        "now": NOW,
        "calendar": current_calendar(app_settings().calendar),
    }
    values.update(changes)
    return record_contact(referral.id, **values)


def _events():
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "offer.record")))


def test_an_offer_exactly_at_the_due_time_is_on_time(app_ctx):
    referral = make_referral(RECEIVED)
    assert referral.offer_due_at == DUE
    offer = _record(referral, late_reason="other")  # a reason sent anyway is not stored
    assert is_on_time(offer, referral)
    assert offer.late_reason is None
    assert referral.status == "offer_made"
    [event] = _events()
    assert event.details["on_time"] is True and event.details["first_offer"] is True
    assert event.object_type == "referral" and event.object_id == str(referral.id)


def test_one_second_late_requires_a_reason(app_ctx):
    referral = make_referral(RECEIVED)
    late = DUE + timedelta(seconds=1)
    with pytest.raises(OfferError) as problem:
        _record(referral, made_at=late)
    assert set(problem.value.errors) == {"late_reason"}
    assert referral.status == "received" and _events() == []
    with pytest.raises(OfferError) as problem:
        _record(referral, made_at=late, late_reason="other", late_reason_detail=" ")
    assert set(problem.value.errors) == {"late_reason_detail"}
    offer = _record(
        referral, made_at=late, late_reason="not_contactable", late_reason_detail="Three calls"
    )
    assert not is_on_time(offer, referral)
    assert offer.late_reason == "not_contactable" and referral.late_reason == "not_contactable"
    [event] = _events()
    assert event.details["on_time"] is False
    assert event.details["late_reason"] == "not_contactable"
    # G16: the explanation stays on the offer; the trail has only the code.
    assert event.reason == "not_contactable" and event.details["reason_given"] is True
    assert offer.late_reason_detail == "Three calls"


def test_an_attempt_keeps_the_case_waiting_and_the_later_offer_takes_it_off(app_ctx):
    referral = make_referral(RECEIVED)
    _record(referral, outcome="no_contact", made_at=DUE - timedelta(hours=3))
    _record(referral, outcome="unsafe_to_contact", made_at=DUE - timedelta(hours=2))
    assert referral.status == "received" and not reached_victim(referral)
    assert attempt_count(referral) == 2
    _record(referral, made_at=DUE - timedelta(hours=1), outcome="declined")
    assert referral.status == "offer_made" and reached_victim(referral)
    attempts = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "contact.attempt").order_by(AuditEvent.seq)
    ).all()
    assert [e.details["outcome"] for e in attempts] == ["no_contact", "unsafe_to_contact"]
    assert [e.details["first_offer"] for e in attempts] == [False, False]
    [offer_event] = _events()
    assert offer_event.details["first_offer"] is True
    _record(referral, made_at=DUE, outcome="accepted")
    assert [e.details["first_offer"] for e in _events()] == [True, False]
    db.session.expire(referral)
    assert len(referral.offers) == 4


def test_an_attempt_after_the_due_time_needs_no_reason_but_a_late_offer_does(app_ctx):
    referral = make_referral(RECEIVED)
    late = DUE + timedelta(hours=2)
    attempt = _record(referral, made_at=late, outcome="no_contact", late_reason="other")
    assert attempt.late_reason is None and referral.late_reason is None
    assert referral.offer_due_at == DUE  # the deadline never moves
    with pytest.raises(OfferError) as problem:
        _record(referral, made_at=late + timedelta(minutes=5), outcome="accepted")
    assert set(problem.value.errors) == {"late_reason"}
    offer = _record(referral, made_at=late + timedelta(minutes=5), late_reason="not_contactable")
    assert offer.late_reason == "not_contactable" and referral.status == "offer_made"
    assert referral.offer_due_at == DUE


def test_an_offer_marks_the_overdue_notices_done_and_an_attempt_does_not(app_ctx):
    user = make_user(roles=["s2s_lead"])
    referral, other = make_referral(RECEIVED), make_referral(RECEIVED)
    for ref in (referral, other):
        notify([user], kind="offer_escalation", message="overdue", now=DUE, referral_id=ref.id)
    notify([user], kind="other_kind", message="kept", now=DUE, referral_id=referral.id)
    _record(referral, made_at=NOW, outcome="no_contact")
    assert _unread(user) == {
        (referral.id, "offer_escalation"),
        (other.id, "offer_escalation"),
        (referral.id, "other_kind"),
    }
    _record(referral, made_at=NOW, outcome="accepted", late_reason="not_contactable")
    assert _unread(user) == {(other.id, "offer_escalation"), (referral.id, "other_kind")}


def _unread(user) -> set[tuple[int, str]]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )
    return {(n.referral_id, n.kind) for n in rows}


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"made_at": None}, {"made_at"}),
        ({"made_at": NOW + timedelta(seconds=1)}, {"made_at"}),
        ({"made_at": RECEIVED - timedelta(seconds=1)}, {"made_at"}),
        ({"method": "pigeon", "outcome": ""}, {"method", "outcome"}),
        ({"notes": "x" * 2001}, {"notes"}),
        ({"made_at": NOW, "late_reason": "bored"}, {"late_reason"}),
    ],
)
def test_invalid_offers_report_every_problem_and_store_nothing(app_ctx, changes, fields):
    referral = make_referral(RECEIVED)
    with pytest.raises(OfferError) as problem:
        _record(referral, **changes)
    assert set(problem.value.errors) == fields
    assert referral.offers == [] and _events() == []


def test_offer_at_the_received_instant_and_now_are_allowed(app_ctx):
    referral = make_referral(RECEIVED)
    assert _record(referral, made_at=RECEIVED).made_at == RECEIVED
    assert _record(referral, made_at=NOW, late_reason="unsafe_to_contact").late_reason


def test_a_contact_in_the_minute_the_referral_arrived_is_not_before_it(app_ctx):
    """The form takes a contact's time to the minute: a call at 09:14 on a referral received
    at 09:14:40 was made after it arrived, and counts no working time."""
    received = RECEIVED.replace(minute=14, second=40)
    referral = make_referral(received)
    offer = _record(referral, made_at=received.replace(second=0), outcome="no_contact")
    assert offer.working_hours == 0
    with pytest.raises(OfferError) as problem:
        _record(referral, made_at=received.replace(second=0) - timedelta(minutes=1))
    assert set(problem.value.errors) == {"made_at"}


def test_no_offer_on_a_closed_referral(app_ctx):
    referral = make_referral(RECEIVED)
    referral.status = "closed"
    with pytest.raises(OfferError) as problem:
        _record(referral)
    assert set(problem.value.errors) == {"referral"}
