"""Notifications link to their case for a reader who may open it (plain text otherwise), and
an overdue notice is marked done when an offer that reached the victim is recorded."""

from __future__ import annotations

from datetime import timedelta

from tests.marac_support import make_referral
from tests.web.test_offer_form import _form
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import User
from triage.services.notifications import notify
from triage.timeutil import utcnow


def _notify(app, user_id: int, message: str, *, days_ago: float = 0.0) -> int:
    with app.app_context():
        referral = make_referral(utcnow() - timedelta(days=days_ago, hours=1))
        user = db.session.get(User, user_id)
        notify(
            [user], kind="offer_escalation", message=message, now=utcnow(), referral_id=referral.id
        )
        db.session.commit()
        return referral.id


def test_a_notification_links_to_a_case_the_reader_may_open(app, client, login_as):
    lead = login_as("screener", "s2s_lead")
    referral_id = _notify(app, lead.id, "Referral overdue (lead)")
    page = client.get("/")
    assert f'<a class="govuk-link" href="/referrals/{referral_id}">Referral overdue (lead)</a>' in (
        page.text
    )


def test_no_link_to_a_case_the_reader_may_not_open(app, client, login_as):
    idva = login_as("idva")
    referral_id = _notify(app, idva.id, "Referral reminder (not yours)")
    page = client.get("/")
    assert "Referral reminder (not yours)" in page.text
    assert f'href="/referrals/{referral_id}"' not in page.text


def test_an_offer_clears_the_overdue_notice_and_an_attempt_does_not(app, client, login_as):
    lead = login_as("screener", "s2s_lead")
    referral_id = _notify(app, lead.id, "Overdue notice", days_ago=5)
    path = f"/referrals/{referral_id}/contact"
    made = utcnow() - timedelta(minutes=10)
    attempt = _form(made, outcome="no_contact", csrf_token=csrf_token(client, path))
    assert client.post(path, data=attempt).status_code == 302
    assert "Overdue notice" in client.get("/").text
    offer = _form(made, late_reason="not_contactable", csrf_token=csrf_token(client, path))
    assert client.post(path, data=offer).status_code == 302
    assert "Overdue notice" not in client.get("/").text
