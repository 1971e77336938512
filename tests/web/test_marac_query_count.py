"""Statements per MARAC page must not grow with its rows (issue 11: the meeting page loaded
each open action's listing and referral one by one, past gunicorn's time-out at 20k
referrals). Counted at the driver with 10 and with 200 open actions, listed cases and lapsed
repeats; the case page with a victim's 2 and 20 earlier referrals."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine

from tests.api.test_query_count import counted
from tests.factories import make_details, make_person
from tests.marac_agenda_support import NOW, _heard, build, utc
from tests.marac_support import make_referral
from triage.extensions import db
from triage.models import MaracAction, MaracListing, MaracMeeting


def _add(data, start: int, n: int) -> None:
    """n more of each row kind the agenda shows: open actions from the meeting before,
    listed cases (with and without children) and victims whose repeat window lapses."""
    earlier = db.session.get(MaracMeeting, data.earlier_id)
    old = db.session.scalar(
        db.select(MaracMeeting).where(MaracMeeting.starts_at == utc(2025, 2, 12, 10))
    )
    for i in range(start, start + n):
        victim = make_person(first_name=f"Count{i}")
        heard = make_referral(utc(2026, 1, 20, 9), victim=victim)
        listing = _heard(heard, earlier)
        db.session.add(
            MaracAction(
                listing_id=listing.id,
                agency="housing",
                description=f"Action {i}",
                due_on=date(2026, 2, 20),
                status="open",
            )
        )
        case = make_referral(utc(2026, 2, 2, 9), children=i % 2, victim=victim)
        make_details(case, "perpetrator", first_name=f"Perp{i}", last_name="Doe")
        db.session.add(
            MaracListing(
                referral_id=case.id,
                meeting_id=data.target_id,
                status="listed",
                criteria=["visible_high_risk"],
                has_children=bool(i % 2),
                listed_at=NOW + timedelta(minutes=10 + i),
            )
        )
        _heard(make_referral(utc(2025, 2, 1, 9), victim=make_person()), old)
    db.session.flush()


PAGES = ("", "/print", "/agenda.csv")


def _counts(app, client, meeting_id: int) -> dict[str, int]:
    found = {}
    for page in PAGES:
        with counted(app) as (statements, _dialect):
            response = client.get(f"/marac/meetings/{meeting_id}{page}")
        assert response.status_code == 200, page
        found[page] = len(statements)
    return found


@time_machine.travel(NOW, tick=False)
def test_meeting_pages_statements_do_not_grow_with_actions_and_cases(app, client, login_as):
    login_as("marac_coordinator")
    with app.app_context():
        data = build()
        db.session.commit()
    for page in PAGES:
        client.get(f"/marac/meetings/{data.target_id}{page}")  # warm up
    with app.app_context():
        _add(data, 0, 10)
        db.session.commit()
    ten = _counts(app, client, data.target_id)
    with app.app_context():
        _add(data, 10, 190)
        db.session.commit()
    two_hundred = _counts(app, client, data.target_id)
    page = client.get(f"/marac/meetings/{data.target_id}")
    assert "Action 0" in page.text and "Action 199" in page.text
    assert ten == two_hundred, (ten, two_hundred)


def _case_with_history(n: int) -> int:
    victim = make_person(first_name="History")
    for i in range(n):
        earlier = make_referral(utc(2025, 1, 1, 9) + timedelta(days=i), victim=victim)
        earlier.status = "open"
    latest = make_referral(utc(2026, 2, 2, 9), victim=victim)
    db.session.flush()
    return latest.id


@time_machine.travel(NOW, tick=False)
def test_case_page_statements_do_not_grow_with_earlier_referrals(app, client, login_as):
    login_as("screener")
    with app.app_context():
        warm, two, twenty = (_case_with_history(n) for n in (2, 2, 20))
        db.session.commit()
    client.get(f"/referrals/{warm}")  # warm up
    found = []
    for referral_id in (two, twenty):
        with counted(app) as (statements, _dialect):
            response = client.get(f"/referrals/{referral_id}")
        assert response.status_code == 200
        found.append(len(statements))
    assert found[0] == found[1], found
