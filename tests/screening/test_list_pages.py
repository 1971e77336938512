"""The morning list page, its print view and CSV through the test client on a frozen clock;
the audit of both exports; and the statement count that must not grow with the rows."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import time_machine
from sqlalchemy import select

from tests.api.test_query_count import counted
from tests.marac_support import make_referral
from tests.screening.list_support import DUE_TEXT, NOW, ORDER, seed
from triage.extensions import db
from triage.models import AuditEvent, Referral
from triage.screening.export import neutralise


def _seeded(app):
    with app.app_context():
        data = seed()
        db.session.commit()
        return data


def _order(page) -> list[str]:
    return re.findall(r'data-reference="(R\d{6})"', page.text)


def test_the_page_shows_states_owner_attempts_and_counts(app, client, login_as):
    data = _seeded(app)
    with time_machine.travel(NOW, tick=False):
        login_as("screener")
        page = client.get("/screening/")
    assert page.status_code == 200
    assert _order(page) == [data.refs[k] for k in ORDER]
    for key, text in DUE_TEXT.items():
        row = page.text.split(f'data-reference="{data.refs[key]}"', 1)[1].split("</tr>", 1)[0]
        assert text in row, key
    attempted = page.text.split(f'data-reference="{data.refs["attempted"]}"', 1)[1]
    assert "Attempted \N{MULTIPLICATION SIGN}1" in attempted.split("</tr>", 1)[0]
    assert "Sam Owner" in page.text and "MCIC</strong>" in page.text
    assert '<span class="app-counts__number">2</span> Overdue' in page.text
    assert '<span class="app-counts__number">1</span> Attempted, not reached' in page.text
    for gone in ("offered", "declined", "closed"):
        assert data.refs[gone] not in page.text
    assert "Record a contact" in page.text


def test_filters_are_bookmarkable_get_parameters(app, client, login_as):
    data = _seeded(app)
    with time_machine.travel(NOW, tick=False):
        login_as("screener")
        attempted = client.get("/screening/?status=attempted")
        owned = client.get(f"/screening/?owner={data.owner_id}")
    assert _order(attempted) == [data.refs["attempted"]]
    assert _order(owned) == [data.refs["friday"]]
    assert f'href="/screening/print?owner={data.owner_id}"' in owned.text
    assert f'href="/screening/export.csv?owner={data.owner_id}"' in owned.text


def test_print_view_is_marked_has_no_navigation_and_is_audited(app, client, login_as):
    data = _seeded(app)
    with time_machine.travel(NOW, tick=False):
        login_as("screener")
        page = client.get("/screening/print?status=overdue")
    assert page.status_code == 200
    assert page.text.count("OFFICIAL-SENSITIVE") >= 2
    assert "Main menu" not in page.text and "Sign out" not in page.text
    assert _order(page) == [data.refs["wednesday"], data.refs["thursday"]]
    assert 'class="govuk-template__body app-print"' in page.text
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "screening.list.print")
        ).all()
        assert event.details == {"filters": {"status": "overdue"}, "count": 2, "names": True}
        # The morning meeting's sheet names the victim (docs/screening.md); the screen does not.
        name = db.session.get(Referral, int(data.refs["wednesday"][1:])).victim_details
    assert name.display_name in page.text
    assert name.display_name not in client.get("/screening/?status=overdue").text


def test_csv_is_marked_neutralised_and_audited(app, client, login_as):
    data = _seeded(app)
    with app.app_context():
        from triage.models import User

        db.session.get(User, data.owner_id).name = "=HYPERLINK(evil)"
        db.session.commit()
    with time_machine.travel(NOW, tick=False):
        login_as("screener")
        response = client.get("/screening/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.text)))
    assert lines[0] == ["OFFICIAL-SENSITIVE"]
    assert lines[1][:4] == ["Reference", "Victim", "Victim date of birth", "Perpetrator"]
    assert [line[0] for line in lines[2:]] == [data.refs[k] for k in ORDER]
    friday = next(line for line in lines if line[0] == data.refs["friday"])
    assert friday[7] == "'=HYPERLINK(evil)" and friday[6] == "due in 3 h 20 min"
    with app.app_context():
        victim = db.session.get(Referral, int(data.refs["friday"][1:])).victim_details
        assert friday[1] == victim.display_name
    attempted = next(line for line in lines if line[0] == data.refs["attempted"])
    assert attempted[8] == "1"
    with app.app_context():
        [event] = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "screening.list.export")
        ).all()
        assert event.details == {"filters": {}, "count": 5, "names": True}
        assert "HYPERLINK" not in str(event.details)


def test_neutralise():
    assert [neutralise(v) for v in ("=1+2", "+44", "-3", "@SUM", "\tx", "R000001", None, 7)] == [
        "'=1+2",
        "'+44",
        "'-3",
        "'@SUM",
        "'\tx",
        "R000001",
        "",
        "7",
    ]


def _add(app, n: int) -> None:
    with app.app_context():
        for i in range(n):
            make_referral(NOW - timedelta(hours=1 + i % 40), yes=i % 20)
        db.session.commit()


def test_statements_for_the_list_do_not_grow_with_its_rows(app, client, login_as):
    login_as("screener")
    counts = {}
    for path in ("/screening/", "/screening/print", "/screening/export.csv"):
        client.get(path)  # warm up
    _add(app, 10)
    for path in ("/screening/", "/screening/print", "/screening/export.csv"):
        with counted(app) as (statements, _dialect):
            assert client.get(path).status_code == 200
        counts[path] = [len(statements)]
    _add(app, 190)
    for path in ("/screening/", "/screening/print", "/screening/export.csv"):
        with counted(app) as (statements, _dialect):
            page = client.get(path)
        assert page.status_code == 200
        counts[path].append(len(statements))
    page = client.get("/screening/")
    assert len(_order(page)) == 200
    assert all(ten == two_hundred for ten, two_hundred in counts.values()), counts
