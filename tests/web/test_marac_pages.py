"""MARAC pages: meetings with counts, agenda (names for the coordinator only), move a case,
cancel / move / add a meeting; CSRF, error summaries, typed values kept, audited 404s."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.factories import make_person
from tests.marac_support import ACTOR, make_referral
from tests.settings_support import marac_args
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import AuditEvent, MaracListing, MaracMeeting
from triage.services import marac_listing, marac_meetings
from triage.timeutil import utcnow

LONDON = ZoneInfo("Europe/London")


def _setup(app, cases=2) -> dict:
    with app.app_context():
        now = utcnow()
        marac_meetings.ensure_meetings(now=now, weeks=4, actor=ACTOR, **marac_args())
        listings = []
        for n in range(cases):
            victim = make_person(first_name=f"Victim{n}", last_name="Named")
            referral = make_referral(
                now - timedelta(hours=1),
                victim=victim,
                victim_details={"first_name": f"Victim{n}", "last_name": "Named"},
                children=n,
            )
            listings.append(
                marac_listing.list_referral(referral.id, now=now, actor=ACTOR, **marac_args())
            )
        db.session.commit()
        meetings = db.session.scalars(select(MaracMeeting).order_by(MaracMeeting.starts_at))
        return {
            "meeting_id": listings[0].meeting_id,
            "listing_ids": [x.id for x in listings],
            "references": [x.referral.reference for x in listings],
            "meeting_ids": [m.id for m in meetings],
        }


def _audits(app, action):
    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_meetings_list_shows_counts_and_cutoffs(app, client, login_as):
    login_as("marac_coordinator")
    _setup(app)
    page = client.get("/marac/")
    assert page.status_code == 200
    assert "2 of 25" in page.text and "0 of 25" in page.text
    assert "Referral cut-off" in page.text and "at 17:00" in page.text
    assert "Add a meeting" in page.text


def test_agenda_shows_names_to_the_coordinator_only_and_is_audited(app, client, login_as):
    data = _setup(app)
    login_as("marac_coordinator")
    page = client.get(f"/marac/meetings/{data['meeting_id']}")
    assert page.status_code == 200
    text = page.text
    order = [
        text.index("Confidentiality statement"),
        text.index("Actions still open"),
        text.index("Households with children"),
        text.index("Adult-only households"),
        text.index("repeat window lapsed"),
    ]
    assert order == sorted(order)
    # The case with children (the second listed) comes first.
    assert text.index(data["references"][1]) < text.index(data["references"][0])
    assert "Victim0 Named" in text and "Visible high risk" in text
    login_as("idva")
    page = client.get(f"/marac/meetings/{data['meeting_id']}")
    assert page.status_code == 200
    assert "Victim0" not in page.text and data["references"][0] in page.text
    events = _audits(app, "marac.agenda.view")
    assert [e.details["names"] for e in events] == [True, False]


def test_moving_a_case_needs_a_reason_keeps_input_and_then_moves(app, client, login_as):
    data = _setup(app)
    login_as("marac_coordinator")
    listing_id = data["listing_ids"][0]
    path = f"/marac/listings/{listing_id}/move"
    page = client.get(path)
    assert page.status_code == 200 and "of 25 places taken" in page.text
    target = data["meeting_ids"][-1]
    assert client.post(path, data={"to_meeting_id": target, "reason": "x"}).status_code == 400
    page = client.post(
        path,
        data={"to_meeting_id": str(target), "reason": "", "csrf_token": csrf_token(client, path)},
    )
    assert page.status_code == 200
    assert "There is a problem" in page.text and "Enter the reason for moving the case" in page.text
    assert f'value="{target}" checked' in page.text
    response = client.post(
        path,
        data={
            "to_meeting_id": str(target),
            "reason": "Police need more time",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert response.status_code == 302
    with app.app_context():
        moved = db.session.scalar(
            select(MaracListing).where(
                MaracListing.meeting_id == target, MaracListing.status == "listed"
            )
        )
        assert moved.move_reason == "Police need more time"
    agenda = client.get(f"/marac/meetings/{target}")
    assert "Moved: Police need more time" in agenda.text


def test_unknown_listing_is_a_404_and_audited(app, client, login_as):
    login_as("marac_coordinator")
    assert client.get("/marac/listings/987654/move").status_code == 404
    [event] = _audits(app, "access.denied")
    assert (event.object_type, event.object_id) == ("marac_listing", "987654")


def test_screeners_may_view_but_not_change(app, client, login_as):
    data = _setup(app, cases=1)
    login_as("screener")
    assert client.get("/marac/").status_code == 200
    assert "Add a meeting" not in client.get("/marac/").text
    assert client.get(f"/marac/listings/{data['listing_ids'][0]}/move").status_code == 403
    assert client.get("/marac/meetings/new").status_code == 403
    login_as("manager")
    assert client.get("/marac/").status_code == 403


def test_cancelling_a_meeting_moves_its_cases(app, client, login_as):
    data = _setup(app)
    login_as("marac_coordinator")
    path = f"/marac/meetings/{data['meeting_id']}/cancel"
    page = client.post(path, data={"reason": "", "csrf_token": csrf_token(client, path)})
    assert "Enter the reason for cancelling" in page.text
    response = client.post(
        path, data={"reason": "Chair unavailable", "csrf_token": csrf_token(client, path)}
    )
    assert response.status_code == 302
    follow = client.get("/marac/")
    assert "Cancelled" in follow.text and "2 cases moved" in follow.text
    with app.app_context():
        relisted = db.session.scalars(
            select(MaracListing).where(MaracListing.status == "listed")
        ).all()
        assert {x.pushed_from_meeting_id for x in relisted} == {data["meeting_id"]}
    agenda = client.get(f"/marac/meetings/{relisted[0].meeting_id}")
    assert "meeting cancelled" in agenda.text


def test_add_and_move_meeting_forms(app, client, login_as):
    login_as("marac_coordinator")
    path = "/marac/meetings/new"
    page = client.get(path)
    assert 'value="25"' in page.text and 'value="10:00"' in page.text
    day = (utcnow() + timedelta(days=40)).astimezone(LONDON).date()
    bad = client.post(
        path,
        data={
            "day": [str(day.day), str(day.month), str(day.year)],
            "start_time": "9am",
            "capacity": "0",
            "note": "Extra before Christmas",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert "Enter the time as hours and minutes" in bad.text
    assert "Enter a number from 1 to 200" in bad.text
    assert 'value="9am"' in bad.text and "Extra before Christmas" in bad.text
    past = client.post(
        path,
        data={
            "day": ["1", "1", "2020"],
            "start_time": "10:00",
            "capacity": "10",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert "The meeting must start in the future" in past.text
    good = client.post(
        path,
        data={
            "day": [str(day.day), str(day.month), str(day.year)],
            "start_time": "14:30",
            "capacity": "10",
            "note": "Extra",
            "csrf_token": csrf_token(client, path),
        },
    )
    assert good.status_code == 302
    with app.app_context():
        extra = db.session.scalar(select(MaracMeeting).where(MaracMeeting.capacity == 10))
        assert extra.starts_at.astimezone(LONDON).strftime("%H:%M") == "14:30"
        meeting_id = extra.id
    move = f"/marac/meetings/{meeting_id}/move"
    new_day = day + timedelta(days=1)
    moved = client.post(
        move,
        data={
            "day": [str(new_day.day), str(new_day.month), str(new_day.year)],
            "start_time": "09:15",
            "reason": "Room booked",
            "csrf_token": csrf_token(client, move),
        },
    )
    assert moved.status_code == 302
    assert len(_audits(app, "marac.meeting.move")) == 1


def test_coordinator_records_the_meeting_held_and_adds_and_updates_actions(app, client, login_as):
    data = _setup(app, cases=1)
    with app.app_context():
        # The meeting has started: move it into the past directly (tests only).
        meeting = db.session.get(MaracMeeting, data["meeting_id"])
        meeting.starts_at = utcnow() - timedelta(hours=1)
        db.session.commit()
    login_as("marac_coordinator")
    agenda_path = f"/marac/meetings/{data['meeting_id']}"
    page = client.get(agenda_path)
    assert "Record the meeting as held" in page.text
    held = client.post(
        f"/marac/meetings/{data['meeting_id']}/held",
        data={"csrf_token": csrf_token(client, agenda_path)},
    )
    assert held.status_code == 302
    path = f"/marac/listings/{data['listing_ids'][0]}/actions/new"
    bad = client.post(
        path,
        data={"description": "Fit a door alarm", "csrf_token": csrf_token(client, path)},
    )
    assert "Select the agency that owns the action" in bad.text and "Fit a door alarm" in bad.text
    good = client.post(
        path,
        data={
            "agency": "housing",
            "description": "Fit a door alarm",
            "due_on": ["", "", ""],
            "csrf_token": csrf_token(client, path),
        },
    )
    assert good.status_code == 302
    with app.app_context():
        from triage.models import MaracAction

        action_id = db.session.scalar(select(MaracAction.id))
    update = f"/marac/actions/{action_id}"
    blocked = client.post(
        update, data={"status": "blocked", "note": "", "csrf_token": csrf_token(client, update)}
    )
    assert "Describe the change of circumstances" in blocked.text
    assert 'value="blocked" checked' in blocked.text
    saved = client.post(
        update,
        data={
            "status": "blocked",
            "note": "Victim moved away",
            "csrf_token": csrf_token(client, update),
        },
    )
    assert saved.status_code == 302
    page = client.get(agenda_path)
    assert "blocked by a change of circumstances" in page.text and "Fit a door alarm" in page.text
    assert client.get("/marac/actions/424242").status_code == 404
