"""The search page: GET form, fields named in errors, the typed text kept, results split into
exact and near, closed cases tagged, and the text never in the audit trail or the access log."""

from __future__ import annotations

import logging
from datetime import date

from sqlalchemy import select

from tests.cases_support import NOW, case
from triage.extensions import db
from triage.models import AuditEvent


def _named(app, first: str, last: str, dob: date, **fields) -> str:
    with app.app_context():
        referral = case(NOW, **fields)
        details = referral.victim_details
        details.first_name, details.last_name, details.date_of_birth = first, last, dob
        db.session.commit()
        return referral.reference


def test_search_by_name_shows_exact_then_near_and_tags_closed(app, client, login_as):
    login_as("screener")
    exact = _named(app, "Morwenna", "Tregarthen", date(1988, 2, 3), status="closed")
    near = _named(app, "Morwena", "Tregarthen", date(1988, 2, 3))
    page = client.get("/cases/search?kind=name&q=Morwenna+Tregarthen")
    assert page.status_code == 200
    exact_part, near_part = page.text.split("app-search-near", 1)
    assert exact in exact_part and "1 exact match" in exact_part
    assert near in near_part and exact not in near_part
    assert "app-tag-closed" in exact_part
    assert 'value="Morwenna Tregarthen"' in page.text  # what was typed is kept
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral.search")
        ).one()
        assert event.details == {"kind": "name", "results": 2, "exact": 1}
        assert "orwen" not in repr(event.details) + repr(event.reason)


def test_a_bad_search_names_the_field_and_keeps_the_text(app, client, login_as):
    login_as("s2s_lead")
    page = client.get("/cases/search?kind=dob&q=next+tuesday")
    assert page.status_code == 400
    assert "Date of birth: enter a date like 31/01/1990" in page.text
    assert 'value="next tuesday"' in page.text
    empty = client.get("/cases/search?kind=&q=")
    assert empty.status_code == 400
    assert "Search by: select what you are searching by" in empty.text
    assert "Search for: enter what to search for" in empty.text


def test_the_empty_page_searches_nothing(app, client, login_as):
    login_as("screener")
    page = client.get("/cases/search")
    assert page.status_code == 200 and 'method="get"' in page.text
    with app.app_context():
        assert not db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral.search")
        ).all()


def test_the_access_log_never_carries_the_search_text(app):
    from triage.cases.views import SEARCH_LOG_FILTER

    assert SEARCH_LOG_FILTER in logging.getLogger("werkzeug").filters
    # The development server's access-log call: '"%s" %s %s' % (request line, code, size).
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "now", "GET /cases/search?kind=name&q=Alex+Example HTTP/1.1", "200", "-"),
        None,
    )
    SEARCH_LOG_FILTER.filter(record)
    line = record.getMessage()
    assert "Alex" not in line and "/cases/search" in line and "200" in line


def test_a_signed_out_search_redirect_keeps_the_text_out_of_the_log(client):
    from triage.cases.views import SEARCH_LOG_FILTER

    response = client.get("/cases/search?kind=name&q=Alex+Example")
    assert response.status_code == 302 and "Alex" in response.location  # `next` keeps it
    request_line = f"GET {response.location} HTTP/1.1"
    other_line = "GET /screening/?due=overdue HTTP/1.1"
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '"%s" %s / "%s"',
        (request_line, "302", other_line),
        None,
    )
    SEARCH_LOG_FILTER.filter(record)
    line = record.getMessage()
    assert "Alex" not in line and "/sign-in?" in line
    assert "/screening/?due=overdue" in line  # other queries are left alone


def test_navigation_shows_my_cases_and_search_to_the_roles_that_have_them(client, login_as):
    login_as("screener")
    home = client.get("/").text
    assert 'href="/cases/"' in home and 'href="/cases/search"' in home
    login_as("idva")
    home = client.get("/").text
    assert 'href="/cases/"' in home and 'href="/cases/search"' not in home
    login_as("referrer")
    home = client.get("/").text
    assert 'href="/cases/"' not in home and 'href="/cases/search"' not in home


def test_gunicorn_access_lines_carry_the_path_without_the_query():
    import runpy
    from pathlib import Path

    conf = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    fmt = conf["access_log_format"]
    assert "%(U)s" in fmt and "%(r)s" not in fmt and "%(q)s" not in fmt and "%(f)s" not in fmt
