"""The S2S morning list: waiting referrals by due time, tags, filters by code only."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.marac_support import make_referral
from triage.extensions import db
from triage.timeutil import utcnow


def _refs(page) -> list[str]:
    return re.findall(r"R\d{6}", page.text.split("<tbody", 1)[1])


def _seed(app) -> dict[str, str]:
    with app.app_context():
        now = utcnow()
        overdue = make_referral(now - timedelta(days=6), yes=3, source_agency="health")
        later = make_referral(now - timedelta(minutes=5), yes=15, children=1)
        done = make_referral(now - timedelta(days=6))
        done.status = "offer_made"
        db.session.commit()
        return {"overdue": overdue.reference, "later": later.reference, "done": done.reference}


def test_the_list_shows_waiting_referrals_earliest_due_first(app, client, login_as):
    login_as("screener")
    refs = _seed(app)
    page = client.get("/screening/")
    assert page.status_code == 200
    found = [r for r in dict.fromkeys(_refs(page))]
    assert found.index(refs["overdue"]) < found.index(refs["later"])
    assert refs["done"] not in found
    assert 'govuk-tag--red">Overdue' in page.text
    assert "MARAC</strong>" in page.text
    assert "Health" in page.text
    assert "Record a contact" in page.text


def test_filters_use_codes_and_narrow_the_list(app, client, login_as):
    login_as("screener")
    refs = _seed(app)
    overdue_only = client.get("/screening/?status=overdue")
    assert set(_refs(overdue_only)) == {refs["overdue"]}
    marac_only = client.get("/screening/?marac=1")
    assert set(_refs(marac_only)) == {refs["later"]}
    health = client.get("/screening/?source=health&risk=standard")
    assert set(_refs(health)) == {refs["overdue"]}
    odd = client.get("/screening/?status=<script>&source=nowhere")
    assert odd.status_code == 200
    assert "Unknown status filter ignored" in odd.text and "<script>" not in odd.text


def test_only_screeners_see_the_list(client, login_as):
    login_as("idva")
    assert client.get("/screening/").status_code == 403
