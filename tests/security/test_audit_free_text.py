"""G16: what people type as a reason or a note never reaches the append-only audit trail.

Each action keeps its text on its own row (where the purge can erase it) and audits only a
reason code and that a reason was given.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.marac_support import ACTOR, make_referral
from tests.settings_support import app_settings
from triage.extensions import db
from triage.marac_rules import MaracSettings
from triage.models import AuditEvent, MaracMeeting, Referral
from triage.models.user import AccountStatusNote
from triage.services import (
    accounts,
    audit,
    calendar,
    lifecycle,
    marac_actions,
    marac_listing,
    marac_meetings,
)
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.services.offers import record_contact
from triage.workdays import WorkingCalendar

pytestmark = pytest.mark.usefixtures("app_ctx")

CAL = WorkingCalendar()
SETTINGS = MaracSettings()
RECEIVED = datetime(2026, 2, 2, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 2, 2, 10, 0, tzinfo=UTC)
SECRET = "Told by Jo Bloggs at 7 Secret Row"


def _trail_text() -> str:
    """Everything the trail holds in its free fields, as one string to search."""
    events = db.session.scalars(select(AuditEvent)).all()
    return json.dumps([[e.reason, e.details] for e in events], default=str)


def _last(action: str) -> AuditEvent:
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq.desc())
    ).first()


def _meetings() -> list[MaracMeeting]:
    marac_meetings.ensure_meetings(now=NOW, weeks=4, actor=ACTOR, settings=SETTINGS, calendar=CAL)
    return list(db.session.scalars(select(MaracMeeting).order_by(MaracMeeting.starts_at)))


def _listed():
    rows = _meetings()
    listing = marac_listing.list_referral(
        make_referral(RECEIVED).id, now=NOW, actor=ACTOR, settings=SETTINGS, calendar=CAL
    )
    return rows, listing


def test_a_free_text_reason_is_refused_by_the_audit_service():
    with pytest.raises(audit.AuditDetailsRefused, match="reason"):
        audit.record("referral.close", ACTOR, reason="Moved in with her sister in Leeds")
    with pytest.raises(audit.AuditDetailsRefused, match="note"):
        audit.record("marac.action.update", ACTOR, details={"note": "anything"})
    assert audit.record("offer.record", ACTOR, reason="not_contactable").reason == (
        "not_contactable"
    )


def test_the_late_offer_explanation_stays_on_the_offer():
    referral = make_referral(RECEIVED)
    offer = record_contact(
        referral.id,
        made_at=RECEIVED + timedelta(days=3),
        method="phone",
        outcome="accepted",
        notes=None,
        late_reason="other",
        late_reason_detail=SECRET,
        actor=ACTOR,
        now=RECEIVED + timedelta(days=3),
        calendar=current_calendar(app_settings().calendar),
    )
    event = _last("offer.record")
    assert event.reason == "other" and event.details["reason_given"] is True
    assert offer.late_reason_detail == SECRET and SECRET not in _trail_text()


def test_moving_a_listing_keeps_the_reason_on_the_listing():
    rows, listing = _listed()
    target = next(m for m in rows if m.id != listing.meeting_id and m.starts_at > NOW)
    moved = marac_listing.move_listing(listing.id, target.id, reason=SECRET, actor=ACTOR, now=NOW)
    event = _last("marac.listing.move")
    assert event.reason == "moved_by_coordinator" and event.details["reason_given"] is True
    assert moved.move_reason == SECRET and SECRET not in _trail_text()


def test_cancelling_and_moving_meetings_keep_the_reasons_on_the_rows():
    rows, listing = _listed()
    relisted = marac_listing.cancel_meeting(
        listing.meeting_id, reason=SECRET, actor=ACTOR, now=NOW, settings=SETTINGS, calendar=CAL
    )
    assert _last("marac.meeting.cancel").details["reason_given"] is True
    assert _last("marac.listing.relist").reason == "meeting_cancelled"
    assert SECRET in relisted[0].move_reason
    later = rows[-1]
    marac_meetings.move_meeting(
        later.id,
        later.starts_at + timedelta(hours=4),
        reason=SECRET + " again",
        actor=ACTOR,
        now=NOW,
        settings=SETTINGS,
        calendar=CAL,
    )
    assert _last("marac.meeting.move").reason == "meeting_moved"
    assert later.note == f"Moved: {SECRET} again"
    extra = marac_meetings.add_meeting(
        NOW + timedelta(days=2, hours=5),
        5,
        actor=ACTOR,
        now=NOW,
        note=SECRET,
        settings=SETTINGS,
        calendar=CAL,
    )
    assert _last("marac.meeting.add").details["note_given"] is True and extra.note == SECRET
    assert SECRET not in _trail_text()


def test_an_action_note_stays_on_the_action():
    _, listing = _listed()
    action = marac_actions.add_action(
        listing.id,
        agency="housing",
        description="Change the locks",
        due_on=None,
        actor=ACTOR,
        now=NOW,
        calendar=current_calendar(app_settings().calendar),
    )
    marac_actions.update_action(action.id, status="blocked", note=SECRET, actor=ACTOR, now=NOW)
    event = _last("marac.action.update")
    assert event.details["note_given"] is True and event.reason is None
    assert action.status_note == SECRET and SECRET not in _trail_text()


def test_account_disable_and_enable_reasons_stay_on_their_own_rows():
    user = make_user(["referrer"])
    accounts.disable_user(user, ACTOR, SECRET, now=NOW)
    accounts.enable_user(user, ACTOR, SECRET + " returned", now=NOW)
    disabled, enabled = _last("user.disable"), _last("user.enable")
    assert disabled.details["reason_given"] is True and enabled.details["reason_given"] is True
    notes = db.session.scalars(
        select(AccountStatusNote).where(AccountStatusNote.user_id == user.id)
    ).all()
    assert [(n.action, n.reason) for n in notes] == [
        ("disable", SECRET),
        ("enable", SECRET + " returned"),
    ]
    assert disabled.details["note_id"] == notes[0].id
    assert SECRET not in _trail_text()
    accounts.disable_user(user, ACTOR, "", now=NOW)
    assert _last("user.disable").details == {"reason_given": False}


def test_closing_reasons_and_closure_days_keep_their_text_on_the_rows():
    referral = make_referral(RECEIVED)
    lifecycle.close_referral(
        referral.id, reason="other", detail=SECRET, actor=ACTOR, now=NOW, years=6
    )
    assert referral.closure_detail == SECRET
    assert _last("referral.close").details["detail_given"] is True
    day = calendar.add_closure_day(date(2026, 3, 9), SECRET, actor=ACTOR, now=NOW)
    assert day.reason == SECRET and _last("closure_day.add").details["reason_given"] is True
    assert SECRET not in _trail_text()


def test_the_purge_erases_every_reason_and_note_kept_for_the_case():
    rows, listing = _listed()
    referral = db.session.get(Referral, listing.referral_id)
    record_contact(
        referral.id,
        made_at=RECEIVED + timedelta(days=3),
        method="phone",
        outcome="accepted",
        notes=None,
        late_reason="other",
        late_reason_detail=SECRET,
        actor=ACTOR,
        now=RECEIVED + timedelta(days=3),
        calendar=current_calendar(app_settings().calendar),
    )
    target = next(m for m in rows if m.id != listing.meeting_id and m.starts_at > NOW)
    moved = marac_listing.move_listing(listing.id, target.id, reason=SECRET, actor=ACTOR, now=NOW)
    action = marac_actions.add_action(
        moved.id,
        agency="police",
        description="Flag the address",
        due_on=None,
        actor=ACTOR,
        now=NOW,
        calendar=current_calendar(app_settings().calendar),
    )
    marac_actions.update_action(action.id, status="blocked", note=SECRET, actor=ACTOR, now=NOW)
    lead = Actor.for_user(make_user(roles=["s2s_lead"]))  # closing past an open listing
    lifecycle.close_referral(
        referral.id, reason="other", detail=SECRET, actor=lead, now=NOW, years=6, override=True
    )
    report = lifecycle.purge_expired(now=NOW + timedelta(days=366 * 7), actor=ACTOR)
    assert referral.id in report.referrals
    db.session.expire_all()
    referral = db.session.get(Referral, referral.id)
    assert referral.closure_detail is None
    assert [o.late_reason_detail for o in referral.offers] == [None]
    assert moved.move_reason is None and action.status_note is None
    assert SECRET not in _trail_text()
