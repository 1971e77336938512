"""The search page: a POSTed form (the text never in a URL), fields named in errors, the typed
text kept, results split into exact and near, closed cases tagged, and the text never in the
audit trail or the access log."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.cases_support import NOW, case, csrf_from
from triage.extensions import db
from triage.models import AuditEvent


def _named(app, first: str, last: str, dob: date, **fields) -> str:
    with app.app_context():
        referral = case(NOW, **fields)
        details = referral.victim_details
        details.first_name, details.last_name, details.date_of_birth = first, last, dob
        db.session.commit()
        return referral.reference


def _search(client, **data):
    token = csrf_from(client.get("/cases/search"))
    return client.post("/cases/search", data={"csrf_token": token, **data})


def test_search_by_name_shows_exact_then_near_and_tags_closed(app, client, login_as):
    login_as("screener")
    exact = _named(app, "Morwenna", "Tregarthen", date(1988, 2, 3), status="closed")
    near = _named(app, "Morwena", "Tregarthen", date(1988, 2, 3))
    page = _search(client, kind="name", q="Morwenna Tregarthen")
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
    page = _search(client, kind="dob", q="next tuesday")
    assert page.status_code == 400
    assert "Date of birth: enter a date like 31/01/1990" in page.text
    assert 'value="next tuesday"' in page.text
    empty = _search(client, kind="", q="")
    assert empty.status_code == 400
    assert "Search by: select what you are searching by" in empty.text
    assert "Search for: enter what to search for" in empty.text


def test_the_empty_page_searches_nothing(app, client, login_as):
    login_as("screener")
    page = client.get("/cases/search?kind=name&q=Alex+Example")  # a URL never searches
    assert page.status_code == 200 and 'method="post"' in page.text
    assert "Alex" not in page.text
    with app.app_context():
        assert not db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral.search")
        ).all()


def test_a_search_without_its_csrf_token_is_refused(client, login_as):
    login_as("screener")
    assert client.post("/cases/search", data={"kind": "name", "q": "A B"}).status_code == 400


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
