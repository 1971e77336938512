"""The case record timeline: this victim's referrals (hidden ones as a date only, the same
perpetrator marked), assessments, decisions, attempts and offers, MARAC listings with their
actions, closure; and a fixed number of queries whatever the history's length."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from tests.factories import make_person, make_user
from tests.screening.support import NOW, actor_for, decision, referral
from triage.extensions import db
from triage.models import MaracAction, MaracListing, MaracMeeting, Offer
from triage.services import case_record
from triage.services.screening_decisions import decide


def _history(victim, perpetrator, referrer, count: int, meeting):
    """`count` earlier referrals for this victim, each with an attempt, an offer, a decision,
    a listing with an action; every other one closed."""
    owner = make_user(roles=["screener"])
    for n in range(count):
        earlier = referral(victim=victim)
        earlier.received_at = NOW - timedelta(days=400 - n)
        earlier.perpetrator_id = perpetrator.id
        earlier.referrer_id = referrer.id
        if n % 2:
            earlier.closed_at, earlier.status = NOW - timedelta(days=300 - n), "closed"
        for outcome in ("no_contact", "accepted"):
            db.session.add(
                Offer(
                    referral_id=earlier.id,
                    made_at=earlier.received_at + timedelta(hours=2),
                    method="phone",
                    outcome=outcome,
                )
            )
        decide(earlier.id, decision(owner.id), actor=actor_for(owner), now=NOW)
        listing = MaracListing(meeting_id=meeting.id, referral_id=earlier.id, criteria=[])
        db.session.add(listing)
        db.session.flush()
        db.session.add(MaracAction(listing_id=listing.id, agency="police", description="Visit"))
    db.session.flush()


def _meeting():
    starts = NOW + timedelta(days=2 + db.session.query(MaracMeeting).count())
    meeting = MaracMeeting(starts_at=starts, cutoff_at=NOW, capacity=25)
    db.session.add(meeting)
    db.session.flush()
    return meeting


@contextmanager
def _counted():
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _statements_for(history: int) -> tuple[int, list]:
    victim, perpetrator = make_person(), make_person()
    referrer = make_user(roles=["referrer"])
    _history(victim, perpetrator, referrer, history, _meeting())
    case = referral(victim=victim)
    case.perpetrator_id = perpetrator.id
    screener = make_user(roles=["screener"])
    db.session.flush()
    db.session.expire_all()
    with _counted() as statements:
        entries = case_record.timeline(case, screener)
    return len(statements), entries


def test_the_timeline_costs_the_same_queries_for_2_and_20_earlier_referrals(app_ctx):
    small, small_entries = _statements_for(2)
    large, large_entries = _statements_for(20)
    assert small == large, (small, large)
    # The reader and their roles, the (expired) referral, then one query per kind of entry:
    # cases, assessments, decisions, contacts, listings, actions.
    assert small == 9, small
    assert len(large_entries) > len(small_entries) > 10


def test_the_timeline_holds_every_kind_of_entry_and_marks_the_same_perpetrator(app_ctx):
    _count, entries = _statements_for(2)
    kinds = {e.kind for e in entries}
    assert kinds == {
        "referral",
        "assessment",
        "decision",
        "attempt",
        "offer",
        "marac",
        "action",
        "closure",
    }
    earlier = [e for e in entries if e.kind == "referral" and not e.this_case]
    assert len(earlier) == 2 and all(e.same_perpetrator for e in earlier)
    assert all(e.link == "referral" for e in earlier)
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    titles = {e.title for e in entries}
    assert "Contact attempt: No contact made" in titles
    assert "Support offer: Accepted" in titles


def test_an_earlier_referral_the_reader_may_not_see_is_a_date_only(app_ctx):
    victim, perpetrator = make_person(), make_person()
    other_referrer = make_user(roles=["referrer"])
    _history(victim, perpetrator, other_referrer, 1, _meeting())
    reader = make_user(roles=["referrer"])
    case = referral(victim=victim)
    case.referrer_id = reader.id
    db.session.flush()
    entries = case_record.timeline(case, reader)
    hidden = [e for e in entries if e.referral_id is None]
    assert [e.title for e in hidden] == ["An earlier referral (not shared with you)"]
    assert hidden[0].reference is None and hidden[0].detail is None
    assert not hidden[0].same_perpetrator
    # Nothing recorded on the hidden case is read: only this case's own entries besides.
    assert {e.referral_id for e in entries} == {None, case.id}
    assert {e.kind for e in entries} == {"referral", "assessment"}


def test_safe_contact_is_read_from_this_referral_and_blanked_by_the_purge(app_ctx):
    from triage.services.person_details import erase

    case = referral()
    details = case.victim_details
    details.phone, details.safe_to_write, details.safe_times = "07700 900456", False, "Mornings"
    db.session.flush()
    safe = case_record.safe_contact(case)
    assert (safe.phone, safe.safe_to_write, safe.safe_times) == ("07700 900456", False, "Mornings")
    assert safe.safe_to_call is None  # not recorded, never guessed
    assert case_record.may_see_safe_contact(make_user(roles=["screener"]), case)
    assert not case_record.may_see_safe_contact(make_user(roles=["marac_coordinator"]), case)
    assert not case_record.may_see_safe_contact(make_user(roles=["idva"]), case)  # not theirs
    erase(case, erased="Erased", now=NOW)
    assert case_record.safe_contact(case).phone is None
    assert case_record.safe_contact(case).safe_times is None


def test_within_a_minute_what_was_recorded_later_comes_first(app_ctx):
    """A contact's time is given to the minute: the attempt then the offer recorded seconds
    after a decision, all in one minute, read newest first as they were recorded."""
    owner = make_user(roles=["screener"])
    case = referral()
    case.received_at = case.created_at = NOW
    decided_at = NOW + timedelta(hours=1, seconds=40)
    decide(case.id, decision(owner.id), actor=actor_for(owner), now=decided_at)
    for n, outcome in enumerate(("no_contact", "accepted"), start=1):
        db.session.add(
            Offer(
                referral_id=case.id,
                made_at=NOW + timedelta(hours=1),  # "10:00", as entered
                method="phone",
                outcome=outcome,
                created_at=decided_at + timedelta(seconds=5 * n),
            )
        )
    db.session.flush()
    entries = case_record.timeline(case, owner)
    assert [e.kind for e in entries][:3] == ["offer", "attempt", "decision"]
