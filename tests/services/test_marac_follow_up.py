"""After the meeting: outcomes, actions whose due date cannot be past, and the two follow-up
deadlines as due actions (due times across Easter, reminders and escalations through the
due-action runner, recording minutes sent / feedback given marks them done)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.marac_support import ACTOR, make_referral
from tests.settings_support import app_settings
from triage.extensions import db
from triage.marac_rules import MaracSettings, follow_up
from triage.models import AuditEvent, DueAction, MaracListing, MaracMeeting, Notification
from triage.services import marac_actions, marac_follow_up, marac_listing, marac_meetings
from triage.services.due_action_run import run_due_action
from triage.services.marac_meetings import MaracError
from triage.workdays import WorkingCalendar

CAL = WorkingCalendar()
# Thursday 2 April 2026, 10:00 BST. Good Friday 3 April and Easter Monday 6 April are bank
# holidays: two working days later is Wednesday 8 April, three is Thursday 9 April.
MEETING = datetime(2026, 4, 2, 9, tzinfo=UTC)
FEEDBACK_REMIND = datetime(2026, 4, 8, 8, tzinfo=UTC)  # 09:00 BST
FEEDBACK_DUE = datetime(2026, 4, 8, 16, tzinfo=UTC)  # 17:00 BST
MINUTES_REMIND = datetime(2026, 4, 9, 8, tzinfo=UTC)
MINUTES_DUE = datetime(2026, 4, 9, 16, tzinfo=UTC)
HELD = MEETING + timedelta(hours=3)


def _meeting_with_cases(idva=None) -> tuple[MaracMeeting, list[MaracListing]]:
    marac_meetings.ensure_meetings(
        now=datetime(2026, 3, 16, 9, tzinfo=UTC),
        weeks=4,
        actor=ACTOR,
        settings=MaracSettings(),
        calendar=CAL,
    )
    meeting = db.session.scalar(select(MaracMeeting).where(MaracMeeting.starts_at == MEETING))
    listings = []
    for n in range(2):
        referral = make_referral(datetime(2026, 3, 17, 9, tzinfo=UTC))
        if n == 0 and idva is not None:
            referral.assigned_idva_id = idva.id
        listings.append(
            marac_listing.list_referral(
                referral.id,
                now=datetime(2026, 3, 23, 10, tzinfo=UTC),
                actor=ACTOR,
                settings=MaracSettings(),
                calendar=CAL,
            )
        )
    assert {x.meeting_id for x in listings} == {meeting.id}
    return meeting, listings


def _rows(meeting_id: int) -> dict[tuple[str, int | None], DueAction]:
    db.session.expire_all()
    rows = db.session.scalars(select(DueAction).where(DueAction.marac_meeting_id == meeting_id))
    return {(r.kind, r.referral_id): r for r in rows}


def _notes() -> list[tuple[str, int]]:
    rows = db.session.scalars(select(Notification).order_by(Notification.id))
    return [(n.kind, n.user_id) for n in rows]


def test_follow_up_deadlines_are_working_days_after_the_meeting_day():
    assert follow_up(MEETING, 2, CAL).due_at == FEEDBACK_DUE
    assert follow_up(MEETING, 2, CAL).remind_at == FEEDBACK_REMIND
    assert follow_up(MEETING, 3, CAL).due_at == MINUTES_DUE
    # An ordinary week: Thursday 16 April -> Monday 20 April and Tuesday 21 April.
    thursday = datetime(2026, 4, 16, 9, tzinfo=UTC)
    assert follow_up(thursday, 2, CAL).due_at == datetime(2026, 4, 20, 16, tzinfo=UTC)
    assert follow_up(thursday, 3, CAL).due_at == datetime(2026, 4, 21, 16, tzinfo=UTC)


def test_marking_held_plans_both_deadlines_once_with_reminders_and_escalations(app_ctx):
    meeting, listings = _meeting_with_cases()
    held = marac_actions.mark_held(meeting.id, actor=ACTOR, now=HELD, settings=app_settings())
    rows = _rows(meeting.id)
    assert sorted(held.due_action_ids) == sorted(r.id for r in rows.values())
    assert rows[("marac_minutes_reminder", None)].due_at == MINUTES_REMIND
    assert rows[("marac_minutes_escalation", None)].due_at == MINUTES_DUE
    for listing in listings:
        assert rows[("marac_feedback_reminder", listing.referral_id)].due_at == FEEDBACK_REMIND
        assert rows[("marac_feedback_escalation", listing.referral_id)].due_at == FEEDBACK_DUE
    assert len(rows) == 6 and {r.status for r in rows.values()} == {"pending"}
    assert meeting.held_at == HELD
    with pytest.raises(MaracError, match="Only a scheduled meeting"):
        marac_actions.mark_held(meeting.id, actor=ACTOR, now=HELD, settings=app_settings())
    plans = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "due_action.plan", AuditEvent.object_type == "marac_meeting"
        )
    ).all()
    assert [p.details["minutes_due_at"] for p in plans] == [MINUTES_DUE.isoformat()]


def test_reminders_then_escalations_fire_through_the_runner_on_time(app_ctx):
    coordinator = make_user(roles=["marac_coordinator"])
    manager = make_user(roles=["manager"])
    lead = make_user(roles=["screener", "s2s_lead"])
    idva = make_user(roles=["idva"])
    meeting, listings = _meeting_with_cases(idva=idva)
    marac_actions.mark_held(meeting.id, actor=ACTOR, now=HELD, settings=app_settings())
    rows = _rows(meeting.id)
    job = ACTOR

    def run(kind, referral_id, at):
        return run_due_action(
            rows[(kind, referral_id)].id, now=at, actor=job, settings=app_settings()
        )

    with_idva, without = (x.referral_id for x in listings)
    early = run("marac_feedback_reminder", with_idva, FEEDBACK_REMIND - timedelta(seconds=1))
    assert early["outcome"] == "not yet due" and _notes() == []
    assert run("marac_feedback_reminder", with_idva, FEEDBACK_REMIND)["outcome"] == "reminded"
    assert run("marac_feedback_reminder", without, FEEDBACK_REMIND)["outcome"] == "reminded"
    # The case's IDVA, and the S2S lead for the case without one.
    assert _notes() == [("marac_feedback_reminder", idva.id), ("marac_feedback_reminder", lead.id)]
    # Feedback given on one case settles its escalation; the other escalates.
    marac_follow_up.record_feedback_given(listings[0].id, actor=ACTOR, now=FEEDBACK_DUE)
    assert _rows(meeting.id)[("marac_feedback_escalation", with_idva)].status == "done"
    again = run("marac_feedback_escalation", with_idva, FEEDBACK_DUE)
    assert again["already"] == "done" and again["outcome"] == "feedback given"
    assert run("marac_feedback_escalation", without, FEEDBACK_DUE)["outcome"] == "escalated"
    assert _notes()[-1] == ("marac_feedback_escalation", lead.id)

    assert run("marac_minutes_reminder", None, MINUTES_REMIND)["outcome"] == "reminded"
    assert _notes()[-1] == ("marac_minutes_reminder", coordinator.id)
    assert run("marac_minutes_escalation", None, MINUTES_DUE)["outcome"] == "escalated"
    assert _notes()[-1] == ("marac_minutes_escalation", manager.id)
    note = db.session.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert note.message == (
        "MARAC meeting of 2 April 2026: minutes and actions were not sent to agencies by "
        "17:00 on Thu 09 Apr 2026"
    )
    # Running again does nothing more.
    run("marac_minutes_escalation", None, MINUTES_DUE + timedelta(minutes=1))
    assert len(_notes()) == 5


def test_minutes_sent_settles_the_minutes_deadline(app_ctx):
    make_user(roles=["marac_coordinator"])
    meeting, _ = _meeting_with_cases()
    with pytest.raises(MaracError, match="held first"):
        marac_follow_up.record_minutes_sent(meeting.id, actor=ACTOR, now=HELD)
    marac_actions.mark_held(meeting.id, actor=ACTOR, now=HELD, settings=app_settings())
    marac_follow_up.record_minutes_sent(meeting.id, actor=ACTOR, now=HELD + timedelta(days=1))
    rows = _rows(meeting.id)
    for kind in ("marac_minutes_reminder", "marac_minutes_escalation"):
        assert rows[(kind, None)].status == "done"
        assert rows[(kind, None)].result == {"outcome": "minutes sent"}
        result = run_due_action(
            rows[(kind, None)].id, now=MINUTES_DUE, actor=ACTOR, settings=app_settings()
        )
        assert result["already"] == "done"
    assert {r.status for (k, _), r in rows.items() if "feedback" in k} == {"pending"}
    assert _notes() == []
    with pytest.raises(MaracError, match="already recorded"):
        marac_follow_up.record_minutes_sent(meeting.id, actor=ACTOR, now=HELD)
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "marac.minutes.sent")
    ).all()
    assert len(events) == 1 and len(events[0].details["settled_due_actions"]) == 2


def test_outcome_is_recorded_per_heard_case_and_audited(app_ctx):
    meeting, listings = _meeting_with_cases()
    with pytest.raises(MaracError, match="held") as early:
        marac_actions.record_outcome(
            listings[0].id, outcome="actions_agreed", actor=ACTOR, now=HELD, calendar=CAL
        )
    assert early.value.field == "outcome"
    marac_actions.mark_held(meeting.id, actor=ACTOR, now=HELD, settings=app_settings())
    with pytest.raises(MaracError, match="Select the outcome") as bad:
        marac_actions.record_outcome(
            listings[0].id, outcome="maybe", actor=ACTOR, now=HELD, calendar=CAL
        )
    assert bad.value.field == "outcome"
    for outcome in ("no_further_action", "actions_agreed"):
        marac_actions.record_outcome(
            listings[0].id, outcome=outcome, actor=ACTOR, now=HELD, calendar=CAL
        )
    marac_actions.record_outcome(
        listings[1].id, outcome="withdrawn", actor=ACTOR, now=HELD, calendar=CAL
    )
    assert listings[0].outcome == "actions_agreed" and listings[0].outcome_recorded_at == HELD
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "marac.outcome.record")
        .order_by(AuditEvent.id)
    ).all()
    assert [e.details["outcome"] for e in events] == [
        {"old": None, "new": "no_further_action"},
        {"old": "no_further_action", "new": "actions_agreed"},
        {"old": None, "new": "withdrawn"},
    ]
    # A withdrawn case is not chased for feedback.
    row = _rows(meeting.id)[("marac_feedback_reminder", listings[1].referral_id)]
    result = run_due_action(row.id, now=FEEDBACK_REMIND, actor=ACTOR, settings=app_settings())
    assert result["outcome"] == "case no longer heard"


def test_a_deferred_case_is_listed_again_at_the_next_meeting(app_ctx):
    meeting, listings = _meeting_with_cases()
    marac_actions.mark_held(meeting.id, actor=ACTOR, now=HELD, settings=app_settings())
    deferred = listings[0]
    marac_actions.record_outcome(
        deferred.id, outcome="deferred", actor=ACTOR, now=HELD, calendar=CAL
    )
    assert deferred.status == "deferred" and deferred.outcome == "deferred"
    again = marac_listing.active_listing(deferred.referral_id)
    assert again.meeting.starts_at == datetime(2026, 4, 9, 9, tzinfo=UTC)
    assert again.move_reason == "Deferred at the meeting of 2 April 2026"
    assert marac_meetings.count_listed(meeting.id) == 1  # it was not heard
    with pytest.raises(MaracError, match="deferred"):
        marac_actions.record_outcome(
            deferred.id, outcome="actions_agreed", actor=ACTOR, now=HELD, calendar=CAL
        )
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "marac.listing.defer")
    ).all()
    assert event.details["to_meeting_id"] == again.meeting_id
    # Nothing to feed back to the victim from a meeting that did not hear the case.
    row = _rows(meeting.id)[("marac_feedback_reminder", deferred.referral_id)]
    result = run_due_action(row.id, now=FEEDBACK_REMIND, actor=ACTOR, settings=app_settings())
    assert result["outcome"] == "case no longer heard"


@pytest.mark.parametrize(
    ("due_on", "accepted"),
    [
        (date(2026, 4, 1), False),  # the day before "today" (London)
        (date(2025, 12, 31), False),
        (date(2026, 4, 2), True),  # today
        (date(2026, 4, 3), True),
        (date(2101, 1, 1), False),
        (None, True),
    ],
)
def test_an_action_due_date_cannot_be_in_the_past(app_ctx, due_on, accepted):
    _meeting, listings = _meeting_with_cases()
    # 23:30 UTC on 1 April is 00:30 on 2 April in London: "today" is London's day.
    now = datetime(2026, 4, 1, 23, 30, tzinfo=UTC)
    if accepted:
        action = marac_actions.add_action(
            listings[0].id,
            agency="housing",
            description="Fit a door alarm",
            due_on=due_on,
            actor=ACTOR,
            now=now,
            calendar=CAL,
        )
        assert action.due_on == due_on
        return
    with pytest.raises(MaracError) as refused:
        marac_actions.add_action(
            listings[0].id,
            agency="housing",
            description="Fit a door alarm",
            due_on=due_on,
            actor=ACTOR,
            now=now,
            calendar=CAL,
        )
    assert refused.value.field == "due_on"
    assert "due date" in str(refused.value)
