""" "My cases" (issue 9 item 6): the worker's open cases, next deadline, paging by 25, and
one query per page whatever the caseload."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.api.test_query_count import counted
from tests.cases_support import action, case, listed, meeting
from tests.factories import make_user
from triage.extensions import db
from triage.timeutil import utcnow


def _refs(page) -> list[str]:
    return re.findall(r">(R\d{6})<", page.text.split("<tbody", 1)[1])


def _worker(app, role: str = "idva") -> int:
    with app.app_context():
        user_id = make_user(roles=[role]).id
        db.session.commit()
        return user_id


def _cases_for(app, user_id: int, count: int, **fields) -> list[str]:
    with app.app_context():
        now = utcnow()
        refs = [
            case(now - timedelta(hours=count - n), assigned_idva_id=user_id, **fields).reference
            for n in range(count)
        ]
        db.session.commit()
        return refs


def test_my_cases_lists_held_open_cases_only(app, client, login_as):
    idva = _worker(app)
    mine = _cases_for(app, idva, 2)
    with app.app_context():
        now = utcnow()
        own_referral = case(now - timedelta(minutes=30), referrer_id=idva).reference
        closed = case(now, assigned_idva_id=idva, status="closed").reference
        someone_elses = case(now, assigned_idva_id=make_user(roles=["idva"]).id).reference
        db.session.commit()
    login_as(user_id=idva)
    page = client.get("/cases/")
    assert page.status_code == 200
    shown = _refs(page)
    assert set(shown) == {*mine, own_referral}
    assert closed not in page.text and someone_elses not in page.text
    assert "3 open cases" in page.text
    assert "S2S offer due" in page.text and "High risk" in page.text


def test_the_next_deadline_is_the_earliest_of_offer_meeting_and_action(app, client, login_as):
    screener = _worker(app, "screener")
    with app.app_context():
        now = utcnow()
        offered = case(now, assigned_screener_id=screener, status="offer_made", mcic=True)
        listing = listed(offered, meeting(now + timedelta(days=20)))
        action(listed(offered, meeting(now - timedelta(days=20)), "heard"), due_on=date(2099, 1, 4))
        db.session.commit()
        reference, listing_id = offered.reference, listing.id
    login_as(user_id=screener)
    row = client.get("/cases/").text.split(reference, 1)[1].split("</tr>", 1)[0]
    assert "MARAC meeting:" in row and "MCIC" in row
    with app.app_context():
        from triage.models import MaracListing

        db.session.get(MaracListing, listing_id).status = "withdrawn"
        db.session.commit()
    row = client.get("/cases/").text.split(reference, 1)[1].split("</tr>", 1)[0]
    assert "MARAC action due: 4 January 2099" in row


def test_paging_is_25_a_page_with_govuk_pagination(app, client, login_as):
    idva = _worker(app)
    refs = _cases_for(app, idva, 27)
    login_as(user_id=idva)
    first = client.get("/cases/")
    assert len(_refs(first)) == 25 and "27 open cases" in first.text
    assert "govuk-pagination" in first.text and 'href="/cases/?page=2"' in first.text
    second = client.get("/cases/?page=2")
    assert len(_refs(second)) == 2
    assert set(_refs(first)) | set(_refs(second)) == set(refs)
    assert 'href="/cases/?page=1"' in second.text
    beyond = client.get("/cases/?page=9")
    assert beyond.status_code == 200 and _refs(beyond) == []


def test_one_query_per_page_whatever_the_caseload(app, client, login_as):
    counts = {}
    for size in (10, 60):
        idva = _worker(app)
        _cases_for(app, idva, size)
        login_as(user_id=idva)
        client.get("/cases/")  # warm up
        with counted(app) as (statements, _dialect):
            page = client.get("/cases/")
        assert page.status_code == 200 and len(_refs(page)) == min(size, 25)
        counts[size] = len(statements)
        # The page's cases, deadlines and names come from one statement.
        assert len([s for s in statements if "person_details" in s]) == 1
    assert counts[10] == counts[60]


def test_the_soonest_deadline_comes_first_overdue_marked_and_none_pending_last(
    app, client, login_as
):
    idva = _worker(app)
    with app.app_context():
        now = utcnow()
        nothing_pending = case(now - timedelta(days=30), assigned_idva_id=idva)
        nothing_pending.status = "offer_made"
        overdue = case(now - timedelta(days=10), assigned_idva_id=idva)
        meeting_soon = case(now, assigned_idva_id=idva, status="offer_made")
        listed(meeting_soon, meeting(now + timedelta(hours=5)))
        offer_later = case(now, assigned_idva_id=idva)  # due next working day, 17:00
        db.session.commit()
        expected = [r.reference for r in (overdue, meeting_soon, offer_later, nothing_pending)]
    login_as(user_id=idva)
    page = client.get("/cases/")
    assert _refs(page) == expected
    overdue_row = page.text.split(expected[0], 1)[1].split("</tr>", 1)[0]
    assert "Overdue</strong>" in overdue_row
    assert "None pending" in page.text.split(expected[-1], 1)[1].split("</tr>", 1)[0]
