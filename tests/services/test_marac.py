"""MARAC meetings and listings: schedule, cut-off, capacity, push, cancel, move, agenda."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_person
from tests.marac_support import ACTOR, make_referral
from tests.settings_support import app_settings, marac_args
from triage.extensions import db
from triage.marac_rules import MaracSettings, add_months
from triage.models import AuditEvent, MaracListing, MaracMeeting
from triage.services import marac_agenda, marac_listing, marac_meetings
from triage.services.actor import Actor
from triage.workdays import WorkingCalendar

CAL = WorkingCalendar()
SETTINGS = MaracSettings()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def meetings(now, weeks=6, settings=SETTINGS):
    marac_meetings.ensure_meetings(
        now=now, weeks=weeks, actor=ACTOR, settings=settings, calendar=CAL
    )
    return list(db.session.scalars(select(MaracMeeting).order_by(MaracMeeting.starts_at)))


# -- schedule -------------------------------------------------------------------------------


def test_generation_moves_christmas_and_new_year_meetings_off_bank_holidays(app_ctx):
    rows = meetings(utc(2025, 12, 1, 9), weeks=6)
    starts = [m.starts_at for m in rows]
    assert starts == [
        utc(2025, 12, 4, 10),
        utc(2025, 12, 11, 10),
        utc(2025, 12, 18, 10),
        utc(2025, 12, 29, 10),  # Thursday 25th and Friday 26th are bank holidays
        utc(2026, 1, 2, 10),  # Thursday 1 January is a bank holiday
        utc(2026, 1, 8, 10),
    ]
    assert rows[3].note == "Moved off bank holiday (Thursday 25 December 2025)"
    assert rows[3].scheduled_for.isoformat() == "2025-12-25"
    assert rows[0].note is None
    # Cut-off: 17:00 London five working days before (the Thursday before).
    assert rows[0].cutoff_at == utc(2025, 11, 27, 17)
    assert all(m.capacity == 25 and m.status == "scheduled" for m in rows)


def test_generation_follows_london_time_across_clock_changes(app_ctx):
    spring = meetings(utc(2026, 3, 20, 12), weeks=2)
    assert [m.starts_at for m in spring] == [utc(2026, 3, 26, 10), utc(2026, 4, 2, 9)]
    assert spring[1].cutoff_at == utc(2026, 3, 26, 17)  # 17:00 GMT, before the change
    autumn = meetings(utc(2026, 10, 16, 12), weeks=2)
    assert [m.starts_at for m in autumn[-2:]] == [utc(2026, 10, 22, 9), utc(2026, 10, 29, 10)]
    assert autumn[-1].cutoff_at == utc(2026, 10, 22, 16)


def test_generation_is_idempotent_and_audited_once_per_meeting(app_ctx):
    now = utc(2026, 2, 2, 9)
    first = marac_meetings.ensure_meetings(
        now=now, weeks=4, actor=ACTOR, settings=SETTINGS, calendar=CAL
    )
    again = marac_meetings.ensure_meetings(
        now=now, weeks=4, actor=ACTOR, settings=SETTINGS, calendar=CAL
    )
    assert len(first) == 4 and again == []
    assert len(events("marac.meeting.create")) == 4


def test_a_moved_or_cancelled_meeting_is_not_regenerated(app_ctx):
    now = utc(2026, 2, 2, 9)
    rows = meetings(now, weeks=2)
    marac_meetings.move_meeting(
        rows[0].id,
        utc(2026, 2, 4, 14),
        reason="Room unavailable",
        actor=ACTOR,
        now=now,
        settings=SETTINGS,
        calendar=CAL,
    )
    marac_listing.cancel_meeting(
        rows[1].id,
        reason="Chair ill",
        actor=ACTOR,
        now=now,
        calendar=CAL,
        settings=marac_args()["settings"],
    )
    assert (
        marac_meetings.ensure_meetings(
            now=now, weeks=2, actor=ACTOR, settings=SETTINGS, calendar=CAL
        )
        == []
    )
    moved = db.session.get(MaracMeeting, rows[0].id)
    assert moved.cutoff_at == utc(2026, 1, 28, 17)  # Wednesday before, 17:00


def test_add_meeting_checks_start_and_capacity(app_ctx):
    now = utc(2026, 2, 2, 9)
    extra = marac_meetings.add_meeting(
        utc(2026, 2, 10, 10), 10, actor=ACTOR, now=now, settings=SETTINGS, calendar=CAL
    )
    assert extra.cutoff_at == utc(2026, 2, 3, 17) and extra.scheduled_for is None
    with pytest.raises(marac_meetings.MaracError, match="already a meeting"):
        marac_meetings.add_meeting(
            utc(2026, 2, 10, 10),
            10,
            actor=ACTOR,
            now=now,
            calendar=CAL,
            settings=marac_args()["settings"],
        )
    with pytest.raises(marac_meetings.MaracError, match="future"):
        marac_meetings.add_meeting(
            utc(2026, 2, 1, 10),
            10,
            actor=ACTOR,
            now=now,
            calendar=CAL,
            settings=marac_args()["settings"],
        )
    with pytest.raises(marac_meetings.MaracError, match="at least 1"):
        marac_meetings.add_meeting(
            utc(2026, 2, 11, 10),
            0,
            actor=ACTOR,
            now=now,
            calendar=CAL,
            settings=marac_args()["settings"],
        )


# -- listing --------------------------------------------------------------------------------


def _list(referral, now, settings=SETTINGS):
    return marac_listing.list_referral(
        referral.id, now=now, actor=ACTOR, settings=settings, calendar=CAL
    )


@pytest.mark.parametrize(
    ("now", "expected_start"),
    [
        (utc(2026, 2, 5, 17), utc(2026, 2, 12, 10)),  # exactly at the cut-off: still in
        (utc(2026, 2, 5, 17, 0, 1), utc(2026, 2, 19, 10)),  # one second after: next week
    ],
)
def test_listing_uses_the_earliest_meeting_whose_cutoff_has_not_passed(
    app_ctx, now, expected_start
):
    meetings(utc(2026, 2, 2, 9), weeks=4)
    referral = make_referral(utc(2026, 2, 5, 9), children=2)
    listing = _list(referral, now)
    assert listing.meeting.starts_at == expected_start
    assert listing.criteria == ["visible_high_risk"]
    assert listing.has_children is True and listing.is_repeat is False
    assert listing.pushed_from_meeting_id is None
    [event] = events("marac.list")
    assert event.details["meeting_id"] == listing.meeting_id
    assert event.details["criteria"] == ["visible_high_risk"]


def test_listing_twice_gives_one_listing_and_one_audit_event(app_ctx):
    meetings(utc(2026, 2, 2, 9), weeks=3)
    referral = make_referral(utc(2026, 2, 2, 9))
    first = _list(referral, utc(2026, 2, 2, 10))
    second = _list(referral, utc(2026, 2, 2, 11))
    assert first.id == second.id
    assert db.session.scalar(select(func.count(MaracListing.id))) == 1
    assert len(events("marac.list")) == 1


def test_a_full_meeting_pushes_the_case_on_and_says_so(app_ctx):
    small = MaracSettings(capacity=2)
    meetings(utc(2026, 2, 2, 9), weeks=3, settings=small)
    now = utc(2026, 2, 2, 10)
    placed = [_list(make_referral(utc(2026, 2, 2, 9)), now, small) for _ in range(3)]
    assert [p.meeting.starts_at for p in placed] == [utc(2026, 2, 12, 10)] * 2 + [
        utc(2026, 2, 19, 10)
    ]
    assert placed[2].pushed_from_meeting_id == placed[0].meeting_id
    shown = marac_agenda.agenda(placed[2].meeting_id, calendar=CAL)
    [case] = shown.adult_only
    assert case.pushed_from.starts_at == utc(2026, 2, 12, 10)
    assert case.pushed_because == "meeting full"
    summary = marac_agenda.listing_summary(placed[2].referral_id)
    assert summary.meeting.starts_at == utc(2026, 2, 19, 10)
    assert (summary.pushed_from.id, summary.pushed_because) == (
        placed[0].meeting_id,
        "meeting full",
    )
    assert marac_agenda.listing_summary(make_referral(utc(2026, 2, 2, 9)).id) is None


def test_listing_creates_meetings_when_none_is_in_reach(app_ctx):
    referral = make_referral(utc(2026, 2, 2, 9))
    listing = _list(referral, utc(2026, 2, 2, 10))
    assert listing.meeting.starts_at == utc(2026, 2, 12, 10)
    assert len(events("marac.meeting.create")) == 12


def test_a_case_that_does_not_meet_the_criteria_is_not_listed(app_ctx):
    referral = make_referral(utc(2026, 2, 2, 9), yes=3)
    with pytest.raises(marac_meetings.NotEligible):
        _list(referral, utc(2026, 2, 2, 10))


def test_a_repeat_is_flagged(app_ctx):
    meetings(utc(2026, 2, 2, 9), weeks=3)
    referral = make_referral(utc(2026, 2, 2, 9), yes=2, last_marac_referral_at=utc(2025, 6, 1, 10))
    listing = _list(referral, utc(2026, 2, 2, 10))
    assert listing.is_repeat and listing.criteria == ["repeat"]


def test_cancelling_a_meeting_relists_its_cases_at_the_next_one(app_ctx):
    rows = meetings(utc(2026, 2, 2, 9), weeks=3)
    now = utc(2026, 2, 2, 10)
    first = _list(make_referral(utc(2026, 2, 2, 9)), now)
    second = _list(make_referral(utc(2026, 2, 2, 9), children=1), now)
    assert first.meeting_id == rows[1].id  # the 5 February cut-off passed on 29 January
    relisted = marac_listing.cancel_meeting(
        rows[1].id, reason="Venue closed", actor=ACTOR, now=now, settings=SETTINGS, calendar=CAL
    )
    assert [x.meeting_id for x in relisted] == [rows[2].id, rows[2].id]
    assert all(x.pushed_from_meeting_id == rows[1].id for x in relisted)
    assert db.session.get(MaracListing, first.id).status == "moved"
    assert db.session.get(MaracMeeting, rows[1].id).status == "cancelled"
    assert len(events("marac.listing.relist")) == 2
    shown = marac_agenda.agenda(rows[2].id, calendar=CAL)
    assert [c.referral.id for c in shown.with_children] == [second.referral_id]
    assert shown.with_children[0].pushed_because == "meeting cancelled"
    with pytest.raises(marac_meetings.MaracError, match="Only a scheduled"):
        marac_listing.cancel_meeting(
            rows[1].id,
            reason="again",
            actor=ACTOR,
            now=now,
            calendar=CAL,
            settings=marac_args()["settings"],
        )


def test_moving_a_listing_needs_a_reason_and_room(app_ctx):
    small = MaracSettings(capacity=1)
    rows = meetings(utc(2026, 2, 2, 9), weeks=4, settings=small)
    now = utc(2026, 2, 2, 10)
    a = _list(make_referral(utc(2026, 2, 2, 9)), now, small)
    b = _list(make_referral(utc(2026, 2, 2, 9)), now, small)
    assert (a.meeting_id, b.meeting_id) == (rows[1].id, rows[2].id)
    with pytest.raises(marac_meetings.MaracError) as missing:
        marac_listing.move_listing(a.id, rows[3].id, reason="  ", actor=ACTOR, now=now)
    assert missing.value.field == "reason"
    with pytest.raises(marac_meetings.MaracError, match="full"):
        marac_listing.move_listing(a.id, rows[2].id, reason="Agency asked", actor=ACTOR, now=now)
    moved = marac_listing.move_listing(
        a.id, rows[3].id, reason="Police need time", actor=ACTOR, now=now
    )
    assert moved.meeting_id == rows[3].id and moved.move_reason == "Police need time"
    assert db.session.get(MaracListing, a.id).status == "moved"
    # And back again: the old row for that meeting is reused (one row per referral+meeting).
    back = marac_listing.move_listing(
        moved.id, rows[1].id, reason="Ready after all", actor=ACTOR, now=now
    )
    assert back.id == a.id and back.status == "listed"
    [event, _] = events("marac.listing.move")
    # G16: the trail has a code; the text stays on the listing.
    assert event.reason == "moved_by_coordinator" and event.details["reason_given"] is True


def test_one_active_listing_per_referral_is_enforced_by_the_database(app_ctx):
    rows = meetings(utc(2026, 2, 2, 9), weeks=3)
    listing = _list(make_referral(utc(2026, 2, 2, 9)), utc(2026, 2, 2, 10))
    db.session.add(MaracListing(referral_id=listing.referral_id, meeting_id=rows[2].id))
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.flush()
    db.session.rollback()


# -- agenda ---------------------------------------------------------------------------------


def test_agenda_order_children_first_then_adults_then_lapsed_repeats(app_ctx):
    now = utc(2026, 2, 2, 10)
    rows = meetings(utc(2026, 2, 2, 9), weeks=3)
    target = rows[1]  # 12 February 2026
    # A victim heard on 12 February 2025: the repeat window ends on 12 February 2026, after
    # the previous meeting (5 February) and on this one's date.
    old_meeting = MaracMeeting(
        starts_at=utc(2025, 2, 12, 10),
        cutoff_at=utc(2025, 2, 5, 17),
        capacity=25,
        status="held",
    )
    older_meeting = MaracMeeting(
        starts_at=utc(2024, 12, 5, 10),
        cutoff_at=utc(2024, 11, 28, 17),
        capacity=25,
        status="held",
    )
    db.session.add_all([old_meeting, older_meeting])
    db.session.flush()
    lapsed_victim = make_person(first_name="Lapsed")
    old_referral = make_referral(
        utc(2025, 2, 1, 9), victim=lapsed_victim, victim_details={"first_name": "Lapsed"}
    )
    db.session.add(
        MaracListing(referral_id=old_referral.id, meeting_id=old_meeting.id, status="heard")
    )
    # Lapsed long ago (not since the previous meeting): not on the notice.
    gone = make_referral(utc(2024, 11, 20, 9))
    db.session.add(MaracListing(referral_id=gone.id, meeting_id=older_meeting.id, status="heard"))
    # Heard a year ago but listed again since: not lapsed.
    again_victim = make_person()
    again_old = make_referral(utc(2025, 2, 1, 9), victim=again_victim)
    db.session.add(
        MaracListing(referral_id=again_old.id, meeting_id=old_meeting.id, status="heard")
    )
    db.session.flush()

    adult_1 = _list(make_referral(utc(2026, 2, 2, 9)), now)
    child_1 = _list(make_referral(utc(2026, 2, 2, 9), children=3), now + timedelta(minutes=1))
    adult_2 = _list(
        make_referral(utc(2026, 2, 2, 9), victim=again_victim), now + timedelta(minutes=2)
    )
    child_2 = _list(make_referral(utc(2026, 2, 2, 9), children=1), now + timedelta(minutes=3))
    assert {x.meeting_id for x in (adult_1, child_1, adult_2, child_2)} == {target.id}

    shown = marac_agenda.agenda(target.id, show_names=True, calendar=CAL)
    assert shown.confidentiality_statement.startswith("Information shared at this meeting")
    assert [c.listing.id for c in shown.with_children] == [child_1.id, child_2.id]
    assert [c.listing.id for c in shown.adult_only] == [adult_1.id, adult_2.id]
    [lapsed] = shown.lapsed_repeats
    assert lapsed.referral.id == old_referral.id
    assert lapsed.window_ended.isoformat() == "2026-02-12"
    assert lapsed.victim_name.startswith("Lapsed")
    assert shown.case_count == 4
    # Without names (anyone but the coordinator): none shown.
    hidden = marac_agenda.agenda(target.id, calendar=CAL)
    assert hidden.adult_only[0].victim_name is None and hidden.lapsed_repeats[0].victim_name is None


def test_add_months_handles_month_ends():
    assert add_months(datetime(2024, 2, 29).date(), 12).isoformat() == "2025-02-28"
    assert add_months(datetime(2025, 1, 31).date(), 1).isoformat() == "2025-02-28"
    assert add_months(datetime(2025, 3, 15).date(), -13).isoformat() == "2024-02-15"


# -- concurrency (PostgreSQL) ---------------------------------------------------------------


def test_concurrent_listings_never_exceed_capacity(app, committed):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every writer")
        small = MaracSettings(capacity=3)
        first_open = meetings(utc(2026, 2, 2, 9), weeks=2, settings=small)[1].id
        referral_ids = [make_referral(utc(2026, 2, 2, 9)).id for _ in range(8)]
        duplicate = referral_ids[0]
        db.session.commit()

    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def work(referral_id: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                marac_listing.list_referral(
                    referral_id, now=utc(2026, 2, 2, 10), actor=ACTOR, settings=small, calendar=CAL
                )
                db.session.commit()
            except BaseException as exc:  # reported below, never swallowed
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    # Every referral once, and the first one three times (the same job enqueued again).
    threads = [threading.Thread(target=work, args=(rid,)) for rid in referral_ids]
    threads += [threading.Thread(target=work, args=(duplicate,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        counts = marac_meetings.listed_counts(
            [m.id for m in db.session.scalars(select(MaracMeeting))]
        )
        assert max(counts.values()) <= 3
        assert sum(counts.values()) == 8
        assert counts[first_open] == 3  # the first open meeting filled exactly
        assert len(events("marac.list")) == 8


# -- end to end with intake and the scheduled job ---------------------------------------------


def test_a_case_from_intake_reaches_the_right_agenda_through_the_listing_job(app_ctx):
    """The demo path: intake stores a MARAC case, the scheduled `marac_listing` action lists
    it (twice: once), and it shows on the agenda of the first meeting with an open cut-off."""
    from tests.factories import make_user
    from tests.intake_support import NOW, referral_data
    from triage.models import DueAction
    from triage.services.due_action_run import run_due_action
    from triage.services.referral_creation import create_referral

    referrer = Actor.for_user(make_user(roles=["referrer"]))
    referral = create_referral(
        referral_data(yes=15), actor=referrer, now=NOW, settings=app_settings()
    ).referral
    action = db.session.scalar(
        select(DueAction).where(
            DueAction.referral_id == referral.id, DueAction.kind == "marac_listing"
        )
    )
    job = Actor.job("test")
    first = run_due_action(action.id, now=NOW, actor=job, settings=app_settings())
    again = run_due_action(
        action.id, now=NOW + timedelta(minutes=1), actor=job, settings=app_settings()
    )
    assert first["outcome"] == "listed" and again["already"] == "done"
    listing = marac_listing.active_listing(referral.id)
    # Tuesday 5 May 2026: Thursday 7 May's cut-off (30 April) has passed; 14 May's has not.
    assert listing.meeting.starts_at == utc(2026, 5, 14, 9)  # 10:00 BST
    assert len(events("marac.list")) == 1
    shown = marac_agenda.agenda(listing.meeting_id, calendar=marac_args()["calendar"])
    assert [c.referral.id for c in shown.with_children] == [referral.id]


# -- held meetings and actions -----------------------------------------------------------------


def test_held_meeting_marks_cases_heard_and_open_actions_carry_to_the_next_agenda(app_ctx):
    from triage.services import marac_actions

    rows = meetings(utc(2026, 2, 2, 9), weeks=3)
    listing = _list(make_referral(utc(2026, 2, 2, 9)), utc(2026, 2, 2, 10))
    meeting = listing.meeting
    with pytest.raises(marac_meetings.MaracError, match="not started"):
        marac_actions.mark_held(
            meeting.id, actor=ACTOR, now=meeting.starts_at - timedelta(1), settings=app_settings()
        )
    marac_actions.mark_held(meeting.id, actor=ACTOR, now=meeting.starts_at, settings=app_settings())
    assert listing.status == "heard" and listing.heard_at == meeting.starts_at
    assert meeting.status == "held"
    # The listing job running again after the hearing does not list the case a second time.
    assert _list(listing.referral, meeting.starts_at + timedelta(days=1)).id == listing.id
    assert len(events("marac.list")) == 1

    with pytest.raises(marac_meetings.MaracError) as bad:
        marac_actions.add_action(
            listing.id,
            agency="aliens",
            description="x",
            due_on=None,
            actor=ACTOR,
            now=meeting.starts_at,
            calendar=CAL,
        )
    assert bad.value.field == "agency"
    kept = marac_actions.add_action(
        listing.id,
        agency="housing",
        description="Change the locks",
        due_on=None,
        actor=ACTOR,
        now=meeting.starts_at,
        calendar=CAL,
    )
    finished = marac_actions.add_action(
        listing.id,
        agency="police",
        description="Flag the address",
        due_on=None,
        actor=ACTOR,
        now=meeting.starts_at,
        calendar=CAL,
    )
    marac_actions.update_action(
        finished.id, status="done", note=None, actor=ACTOR, now=meeting.starts_at
    )
    with pytest.raises(marac_meetings.MaracError, match="change of circumstances"):
        marac_actions.update_action(
            kept.id, status="blocked", note="", actor=ACTOR, now=meeting.starts_at
        )

    later = rows[2]
    shown = marac_agenda.agenda(later.id, calendar=CAL)
    assert [a.id for a in shown.open_actions] == [kept.id]
    assert marac_agenda.agenda(meeting.id, calendar=CAL).open_actions == []
    assert [a.id for a in marac_agenda.agenda(meeting.id, calendar=CAL).actions[listing.id]] == [
        kept.id,
        finished.id,
    ]
    assert len(events("marac.action.add")) == 2 and len(events("marac.action.update")) == 1
    assert len(events("marac.meeting.held")) == 1


def test_concurrent_moves_of_one_case_leave_one_listing(app, committed):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks are a PostgreSQL matter; SQLite serialises every writer")
        rows = meetings(utc(2026, 2, 2, 9), weeks=4)
        listing = _list(make_referral(utc(2026, 2, 2, 9)), utc(2026, 2, 2, 10))
        listing_id, referral_id = listing.id, listing.referral_id
        targets = [rows[2].id, rows[3].id]
        db.session.commit()

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def work(target: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                marac_listing.move_listing(
                    listing_id,
                    target,
                    reason="Agency request",
                    actor=ACTOR,
                    now=utc(2026, 2, 2, 11),
                )
                db.session.commit()
                outcomes.append("moved")
            except marac_meetings.MaracError as problem:
                db.session.rollback()
                outcomes.append(str(problem))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(t,)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["That case is no longer listed", "moved"]
    with app.app_context():
        active = db.session.scalars(
            select(MaracListing).where(
                MaracListing.referral_id == referral_id, MaracListing.status == "listed"
            )
        ).all()
        assert len(active) == 1 and active[0].meeting_id in targets
