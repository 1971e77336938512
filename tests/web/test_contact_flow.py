"""Recording contacts through the pages: an attempt keeps the case on the morning list and
shows on the referral page; the offer takes it off; the form keeps what was typed."""

from __future__ import annotations

from datetime import timedelta

from tests.web.test_offer_form import _form, _referral
from tests.web.test_sign_in import csrf_token
from triage.timeutil import utcnow

TIMES = "\N{MULTIPLICATION SIGN}"


def test_attempt_then_offer_through_the_pages(app, client, login_as):
    login_as("screener")
    referral_id = _referral(app)
    reference = f"R{referral_id:06d}"
    path = f"/referrals/{referral_id}/contact"
    made = utcnow() - timedelta(minutes=20)
    page = client.post(
        path,
        data=_form(made, outcome="unsafe_to_contact", csrf_token=csrf_token(client, path)),
        follow_redirects=True,
    )
    assert f"Attempt recorded for {reference} (attempted {TIMES}1)" in page.text
    assert f"Waiting for an offer: attempted {TIMES}1, not reached" in page.text
    assert "Attempt: unsafe to contact" in page.text and "Contact attempts and offers" in page.text
    listed = client.get("/screening/?status=attempted")
    assert f'data-reference="{reference}"' in listed.text
    assert f"Attempted {TIMES}1" in listed.text

    page = client.post(
        path,
        data=_form(made, outcome="declined", csrf_token=csrf_token(client, path)),
        follow_redirects=True,
    )
    assert f"Offer recorded for {reference}: it has left the morning list" in page.text
    assert "Offer made: it reached the victim" in page.text
    assert "Offer made: declined" in page.text
    assert f'data-reference="{reference}"' not in client.get("/screening/").text


def test_an_unknown_outcome_is_refused_and_the_rest_is_kept(app, client, login_as):
    login_as("screener")
    referral_id = _referral(app)
    path = f"/referrals/{referral_id}/contact"
    page = client.post(
        path,
        data=_form(
            utcnow(), outcome="teleported", notes="Tried twice", csrf_token=csrf_token(client, path)
        ),
    )
    assert page.status_code == 200 and "There is a problem" in page.text
    assert "Tried twice" in page.text and 'value="phone" checked' in page.text
    assert '<a href="#outcome">Select the outcome of the contact</a>' in page.text
    assert "Not a valid choice" not in page.text
