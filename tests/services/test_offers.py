"""Recording S2S support offers: validation, on time at the due instant, late needs a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.marac_support import ACTOR, make_referral
from triage.extensions import db
from triage.models import AuditEvent
from triage.services.offers import OfferError, is_on_time, record_offer

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
    }
    values.update(changes)
    return record_offer(referral.id, **values)


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


def test_second_offer_keeps_the_status_and_is_audited(app_ctx):
    referral = make_referral(RECEIVED)
    _record(referral, outcome="no_contact")
    _record(referral, made_at=DUE - timedelta(hours=1), outcome="accepted")
    assert referral.status == "offer_made"
    assert [e.details["first_offer"] for e in _events()] == [True, False]
    assert len(referral.offers) == 2


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


def test_no_offer_on_a_closed_referral(app_ctx):
    referral = make_referral(RECEIVED)
    referral.status = "closed"
    with pytest.raises(OfferError) as problem:
        _record(referral)
    assert set(problem.value.errors) == {"referral"}
