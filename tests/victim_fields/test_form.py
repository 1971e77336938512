"""The victim section's equality and safe-contact questions through the form (CSRF on):
kept on error, shown on the check page, stored; the safe contact is then shown only to
those who contact victims, never to the referrer or the MARAC coordinator, nor on the agenda."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.marac_support import ACTOR
from tests.settings_support import marac_args
from tests.web.test_intake_form import PERPETRATOR, REFERRER, RISK, VICTIM, dash, post
from triage.extensions import db
from triage.models import MaracListing, Referral
from triage.services import marac_listing, marac_meetings
from triage.timeutil import utcnow

PHONE = "07700 900123"
EXTRAS = {
    "victim_phone": PHONE,
    "victim_safe_to_call": "yes",
    "victim_safe_to_leave_message": "no",
    "victim_safe_to_write": "dont_know",
    "victim_safe_times": "Weekdays before 3pm",
    "victim_ethnicity": "white_roma",
    "victim_sexual_orientation": "prefer_not_to_say",
    "victim_trans": "",
    "victim_disability": "yes",
}


def test_the_victim_section_asks_the_optional_questions(login_as, client):
    login_as("referrer")
    page = client.get("/referrals/new/victim").text
    for label in (
        "Ethnic group (optional)",
        "White: Gypsy or Irish Traveller",
        "Sexual orientation (optional)",
        "Does the victim consider themselves disabled? (optional)",
        "Safe phone number (optional)",
        "Is it safe to leave a message? (optional)",
        "Don&#39;t know",
        "Prefer not to say",
    ):
        assert label in page, label
    assert 'type="tel"' in page


def test_a_bad_phone_number_is_named_and_what_was_typed_is_kept(login_as, client):
    login_as("referrer")
    response = post(client, "/referrals/new/victim", {**VICTIM, **EXTRAS, "victim_phone": "999"})
    assert response.status_code == 200
    assert "Enter a UK phone number, like 07700 900123" in response.text
    assert 'href="#victim_phone"' in response.text
    assert re.search(r'name="victim_phone"[^>]*value="999"', response.text)
    # The other answers are kept too.
    assert re.search(
        r'value="white_roma"[^>]*selected|selected[^>]*value="white_roma"', response.text
    )


def _submit(client) -> int:
    for section, data in (
        ("referrer", REFERRER),
        ("victim", {**VICTIM, **EXTRAS}),
        ("perpetrator", PERPETRATOR),
        ("dash", dash(15)),
        ("risk", RISK),
    ):
        response = post(client, f"/referrals/new/{section}", data)
        assert response.status_code == 302, (section, response.text[:2000])
    check = client.get("/referrals/new/check").text
    for shown in ("White: Roma", PHONE, "Weekdays before 3pm", "Prefer not to say"):
        assert shown in check, shown
    assert 'href="/referrals/new/victim?return=check#victim_ethnicity"' in check
    response = post(client, "/referrals/new/check", {})
    assert response.status_code == 302
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_stored_and_shown_only_to_those_who_contact_victims(app, login_as, client):
    with app.app_context():
        marac_meetings.ensure_meetings(now=utcnow(), weeks=4, actor=ACTOR, **marac_args())
        db.session.commit()
    login_as("referrer")
    referral_id = _submit(client)
    with app.app_context():
        victim = db.session.get(Referral, referral_id).victim_details
        assert (victim.ethnicity, victim.sexual_orientation, victim.disability) == (
            "white_roma",
            "prefer_not_to_say",
            "yes",
        )
        assert (victim.racially_minoritised, victim.lgbt, victim.disabled) == (True, None, True)
        assert victim.phone == PHONE and victim.safe_times == "Weekdays before 3pm"
        assert (victim.safe_to_call, victim.safe_to_leave_message, victim.safe_to_write) == (
            True,
            False,
            None,
        )
        listing = db.session.scalar(
            select(MaracListing).where(MaracListing.referral_id == referral_id)
        ) or marac_listing.list_referral(referral_id, now=utcnow(), actor=ACTOR, **marac_args())
        meeting_id = listing.meeting_id
        db.session.commit()
    page = client.get(f"/referrals/{referral_id}")  # the referrer's own case
    assert page.status_code == 200 and PHONE not in page.text
    login_as("screener")
    page = client.get(f"/referrals/{referral_id}")
    assert PHONE in page.text and "Weekdays before 3pm" in page.text
    login_as("marac_coordinator")
    page = client.get(f"/referrals/{referral_id}")
    assert page.status_code == 200 and "Amira Khan" in page.text
    assert PHONE not in page.text and "Weekdays before 3pm" not in page.text
    agenda = client.get(f"/marac/meetings/{meeting_id}")
    assert agenda.status_code == 200 and "Amira Khan" in agenda.text
    assert PHONE not in agenda.text and "Weekdays before 3pm" not in agenda.text
