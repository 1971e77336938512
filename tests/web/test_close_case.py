"""Closing a case (issue 9 item 4): reason, confirmation, refusal while open at MARAC, the
S2S lead's override, and "closed" shown wherever the case still appears."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from tests.cases_support import action, case, csrf_from, listed, meeting
from tests.factories import make_user
from triage.extensions import db
from triage.models import AuditEvent, MaracListing, Notification, Referral
from triage.timeutil import utcnow


def _close_url(referral_id: int) -> str:
    return f"/referrals/{referral_id}/close"


def _submit(client, referral_id: int, **data):
    token = csrf_from(client.get(_close_url(referral_id)))
    return client.post(_close_url(referral_id), data={"csrf_token": token, **data})


def _open_case(app) -> int:
    with app.app_context():
        referral_id = case(utcnow() - timedelta(hours=2)).id
        db.session.commit()
        return referral_id


def _listed_case(app, *, open_action: bool = False, listing_status: str = "listed"):
    with app.app_context():
        referral = case(utcnow() - timedelta(hours=2))
        listing = listed(referral, meeting(utcnow() + timedelta(days=9)), status=listing_status)
        if open_action:
            action(listing, due_on=date(2031, 1, 15))
        db.session.commit()
        return referral.id, listing.id


def test_the_first_submission_only_shows_what_closing_does(app, client, login_as):
    login_as("screener")
    referral_id = _open_case(app)
    page = _submit(client, referral_id, reason="no_contact", detail="Five calls, no answer")
    assert page.status_code == 200
    reference = f"R{referral_id:06d}"
    assert f"You are closing {reference}" in page.text
    assert "No contact possible after attempts" in page.text
    assert "leaves the S2S morning list" in page.text
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "received"


def test_confirming_closes_with_the_reason_on_the_row_and_only_its_code_audited(
    app, client, login_as
):
    login_as("screener")
    referral_id = _open_case(app)
    detail = "Victim said she is safe now at her sister's"
    done = _submit(client, referral_id, reason="offer_declined", detail=detail, confirmed="yes")
    assert done.status_code == 302 and done.location.endswith(f"/referrals/{referral_id}")
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.status == "closed"
        assert (referral.closure_reason, referral.closure_detail) == ("offer_declined", detail)
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral.close")
        ).one()
        assert event.details["reason_code"] == "offer_declined"
        assert event.details["detail_given"] is True
        assert "sister" not in str(event.details) and event.reason is None
    banner = client.get(f"/referrals/{referral_id}").text
    assert "This case was closed" in banner and "Support offer declined" in banner


def test_a_missing_reason_or_missing_detail_is_an_error_naming_the_field(app, client, login_as):
    login_as("screener")
    referral_id = _open_case(app)
    page = _submit(client, referral_id, detail="typed text kept")
    assert page.status_code == 400
    assert "Reason for closing: select why the case is being closed" in page.text
    assert "typed text kept" in page.text
    other = _submit(client, referral_id, reason="other", detail="  ", confirmed="yes")
    assert other.status_code == 400 and "Details: say more" in other.text
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "received"


def test_closing_a_listed_case_is_refused_naming_the_listing_and_the_actions(app, client, login_as):
    login_as("screener")
    referral_id, _listing_id = _listed_case(app, open_action=True)
    page = client.get(_close_url(referral_id))
    assert "cannot be closed yet" in page.text
    assert "Listed for the MARAC meeting on" in page.text
    assert "Fit a door chain" in page.text and "15 January 2031" in page.text
    assert 'name="reason"' not in page.text
    # Posting anyway changes nothing.
    refused = client.post(
        _close_url(referral_id),
        data={"csrf_token": csrf_from(page), "reason": "duplicate", "confirmed": "yes"},
    )
    assert "cannot be closed yet" in refused.text
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "received"


def test_open_actions_alone_block_closing(app, client, login_as):
    login_as("screener")
    referral_id, _ = _listed_case(app, open_action=True, listing_status="heard")
    page = client.get(_close_url(referral_id))
    assert "cannot be closed yet" in page.text and "Fit a door chain" in page.text
    assert "Listed for the MARAC meeting" not in page.text


def test_the_lead_closes_a_listed_case_withdrawing_the_listing_and_telling_the_coordinator(
    app, client, login_as
):
    with app.app_context():
        coordinator_id = make_user(roles=["marac_coordinator"]).id
        db.session.commit()
    login_as("s2s_lead")
    referral_id, listing_id = _listed_case(app, open_action=True)
    form = client.get(_close_url(referral_id))
    assert "its listing is withdrawn" in form.text and 'name="reason"' in form.text
    confirm = _submit(client, referral_id, reason="duplicate")
    assert "is withdrawn and the MARAC coordinator is told" in confirm.text
    done = _submit(client, referral_id, reason="duplicate", confirmed="yes")
    assert done.status_code == 302
    reference = f"R{referral_id:06d}"
    assert f"Case {reference} closed." in client.get(done.location).text
    with app.app_context():
        listing = db.session.get(MaracListing, listing_id)
        assert listing.status == "withdrawn"
        (note,) = db.session.scalars(
            select(Notification).where(Notification.user_id == coordinator_id)
        ).all()
        assert note.referral_id == referral_id and reference in note.message
        assert "withdrawn" in note.message and "1 open MARAC action" in note.message
        close = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "referral.close")
        ).one()
        assert close.details["override"] is True
        assert close.details["withdrawn_listings"] == [listing_id]
        assert db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "marac.listing.withdraw")
        ).one().object_id == str(listing_id)
    # Off the agenda and its count.
    login_as("marac_coordinator", user_id=coordinator_id)
    with app.app_context():
        meeting_id = db.session.get(MaracListing, listing_id).meeting_id
    agenda = client.get(f"/marac/meetings/{meeting_id}").text
    assert reference not in agenda


def test_a_closed_case_shows_as_closed_on_the_agenda_the_page_and_the_api(app, client, login_as):
    login_as("screener")
    referral_id, listing_id = _listed_case(app, listing_status="heard")
    done = _submit(client, referral_id, reason="support_completed", confirmed="yes")
    assert done.status_code == 302
    reference = f"R{referral_id:06d}"
    assert "Closed case" in client.get(f"/referrals/{referral_id}").text
    assert reference not in client.get("/screening/").text  # not on the morning list
    with app.app_context():
        meeting_id = db.session.get(MaracListing, listing_id).meeting_id
    login_as("marac_coordinator")
    agenda = client.get(f"/marac/meetings/{meeting_id}").text
    row = agenda.split(reference, 1)[1].split("</tr>", 1)[0]
    assert "app-tag-closed" in row and "Closed</strong>" in row


def test_the_api_referral_body_says_closed(app, client, login_as):
    from triage.services.tokens import create_token

    login_as("screener")
    referral_id = _open_case(app)
    _submit(client, referral_id, reason="duplicate", confirmed="yes")
    with app.app_context():
        user = make_user(roles=["screener"])
        raw = create_token(user, "test")
        db.session.commit()
    body = client.get(
        f"/api/v1/referrals/{referral_id}", headers={"Authorization": f"Bearer {raw}"}
    ).get_json()
    assert body["status"] == "closed"


def test_an_already_closed_case_shows_its_closure(app, client, login_as):
    login_as("screener")
    referral_id = _open_case(app)
    _submit(client, referral_id, reason="moved_away", confirmed="yes")
    page = client.get(_close_url(referral_id))
    assert "Moved out of the area" in page.text and 'name="reason"' not in page.text


def test_a_closed_case_offers_no_support_offer_or_close_button(app, client, login_as):
    login_as("screener")
    referral_id = _open_case(app)
    page = client.get(f"/referrals/{referral_id}").text
    assert "Record a contact" in page and "Close referral" in page
    _submit(client, referral_id, reason="duplicate", confirmed="yes")
    page = client.get(f"/referrals/{referral_id}").text
    assert "Record a contact" not in page and "Close referral" not in page
