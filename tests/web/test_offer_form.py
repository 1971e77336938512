"""The offer form: CSRF, error summary, typed values kept, late reason, object-level 404."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.factories import make_user
from tests.marac_support import make_referral
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import AuditEvent, Offer, Referral
from triage.timeutil import utcnow

LONDON = ZoneInfo("Europe/London")


def _referral(app, *, days_ago: float = 0.0, **fields) -> int:
    with app.app_context():
        referral = make_referral(utcnow() - timedelta(days=days_ago, hours=1), **fields)
        db.session.commit()
        return referral.id


def _form(when, **changes):
    local = when.astimezone(LONDON)
    data = {
        "made_on": [str(local.day), str(local.month), str(local.year)],
        "made_time": f"{local:%H:%M}",
        "method": "phone",
        "outcome": "accepted",
        "notes": "",
        "late_reason_detail": "",
    }
    data.update(changes)
    return data


def test_screener_records_an_on_time_offer(app, client, login_as):
    login_as("screener")
    referral_id = _referral(app)
    path = f"/referrals/{referral_id}/contact"
    page = client.get(path)
    assert page.status_code == 200
    assert "Record a contact" in page.text and "why was it late?" in page.text
    data = _form(utcnow() - timedelta(minutes=5), csrf_token=csrf_token(client, path))
    response = client.post(path, data=data)
    assert response.status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        [offer] = referral.offers
        assert referral.status == "offer_made" and offer.method == "phone"
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "offer.record"))
        assert event.details["on_time"] is True


def test_post_without_csrf_is_refused(app, client, login_as):
    login_as("screener")
    referral_id = _referral(app)
    response = client.post(f"/referrals/{referral_id}/contact", data=_form(utcnow()))
    assert response.status_code == 400
    with app.app_context():
        assert db.session.scalars(select(Offer)).all() == []


def test_errors_are_summarised_and_typed_values_kept(app, client, login_as):
    login_as("screener")
    referral_id = _referral(app)
    path = f"/referrals/{referral_id}/contact"
    data = _form(
        utcnow(),
        made_time="25:99",
        method="",
        notes="Left a voicemail",
        csrf_token=csrf_token(client, path),
    )
    page = client.post(path, data=data)
    assert page.status_code == 200
    assert "There is a problem" in page.text
    assert "Enter the time as hours and minutes" in page.text
    assert "Select how the contact was made" in page.text
    assert 'value="25:99"' in page.text and "Left a voicemail" in page.text
    assert 'href="#made_time"' in page.text


def test_a_late_offer_needs_a_reason_and_keeps_what_was_typed(app, client, login_as):
    login_as("screener")
    referral_id = _referral(app, days_ago=5)  # long overdue
    path = f"/referrals/{referral_id}/contact"
    made = utcnow() - timedelta(hours=1)
    page = client.post(path, data=_form(made, csrf_token=csrf_token(client, path)))
    assert page.status_code == 200
    assert "The offer is late: select the reason it was late" in page.text
    assert 'href="#late_reason"' in page.text
    assert f'value="{made.astimezone(LONDON):%H:%M}"' in page.text
    page = client.post(
        path,
        data=_form(made, late_reason="other", csrf_token=csrf_token(client, path)),
    )
    assert "Give the reason the offer was late" in page.text
    assert 'value="other" checked' in page.text
    response = client.post(
        path,
        data=_form(
            made,
            late_reason="other",
            late_reason_detail="Victim in hospital",
            csrf_token=csrf_token(client, path),
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        [offer] = db.session.scalars(select(Offer)).all()
        assert (offer.late_reason, offer.late_reason_detail) == ("other", "Victim in hospital")
    page = client.get(path)
    assert "Attempts and offers recorded" in page.text and "Late: Other" in page.text


def test_an_idva_cannot_record_on_someone_elses_case_and_the_refusal_is_audited(
    app, client, login_as
):
    login_as("idva")
    referral_id = _referral(app)
    assert client.get(f"/referrals/{referral_id}/contact").status_code == 404
    assert client.get("/referrals/999999/contact").status_code == 404
    with app.app_context():
        denied = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "access.denied").order_by(AuditEvent.seq)
        ).all()
        assert [(e.object_type, e.object_id) for e in denied] == [
            ("referral", str(referral_id)),
            ("referral", "999999"),
        ]


def test_the_assigned_idva_may_record_and_others_may_not_open_the_form(app, client, login_as):
    with app.app_context():
        idva = make_user(roles=["idva"])
        db.session.commit()
        idva_id = idva.id
    referral_id = _referral(app)
    with app.app_context():
        db.session.get(Referral, referral_id).assigned_idva_id = idva_id
        db.session.commit()
    login_as(user_id=idva_id)
    assert client.get(f"/referrals/{referral_id}/contact").status_code == 200
    login_as("marac_coordinator")
    assert client.get(f"/referrals/{referral_id}/contact").status_code == 403


def test_a_hand_made_post_without_the_date_parts_gets_an_error_not_a_crash(app, client, login_as):
    login_as("screener")
    referral_id = _referral(app)
    path = f"/referrals/{referral_id}/contact"
    data = _form(utcnow(), csrf_token=csrf_token(client, path))
    del data["made_on"]
    page = client.post(path, data=data)
    assert page.status_code == 200
    assert "Enter the date of the contact" in page.text
    data["made_on"] = ["1", "2"]  # two parts of three
    page = client.post(path, data={**data, "csrf_token": csrf_token(client, path)})
    assert page.status_code == 200 and "There is a problem" in page.text
