"""The audit page (admins only, every view audited), the close route and the subject-access
download."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from tests.audit.helpers import ACTOR, make_referral, tamper
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import AuditEvent, Referral
from triage.services import audit


@pytest.fixture(autouse=True)
def checkpoint_file(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_CHECKPOINT_PATH", str(tmp_path / "cp.jsonl"))


def _referral_with_history() -> tuple[int, str]:
    referral = make_referral()
    audit.record(
        "referral.create",
        ACTOR,
        object_type="referral",
        object_id=referral.id,
        details={"reference": referral.reference},
    )
    audit.record("person.view", ACTOR, object_type="person", object_id=referral.victim_id)
    audit.record("unrelated.event", ACTOR, object_type="referral", object_id=referral.id + 1000)
    db.session.commit()
    return referral.id, referral.reference


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


@pytest.mark.parametrize("role", ["referrer", "idva", "screener", "marac_coordinator", "manager"])
def test_only_admins_see_the_audit_pages_and_refusals_are_audited(app, client, login_as, role):
    user = login_as(role)
    with app.app_context():
        referral_id, _ = _referral_with_history()
    assert client.get("/admin/audit/").status_code == 403
    assert client.get(f"/admin/audit/referral/{referral_id}").status_code == 403
    with app.app_context():
        denied = _events("access.denied")
        assert len(denied) == 2 and all(e.actor_id == str(user.id) for e in denied)
        assert _events("audit.view") == []


def test_an_admin_sees_a_referrals_history_and_the_view_is_audited(app, client, login_as):
    admin = login_as("admin")
    with app.app_context():
        referral_id, reference = _referral_with_history()
    page = client.get("/admin/audit/")
    assert page.status_code == 200 and "Audit trail" in page.text
    token = csrf_token(client, "/admin/audit/")
    found = client.post("/admin/audit/search", data={"reference": reference, "csrf_token": token})
    assert found.status_code == 302
    assert found.headers["Location"].endswith(f"/admin/audit/referral/{referral_id}")
    history = client.get(f"/admin/audit/referral/{referral_id}")
    assert history.status_code == 200
    assert "referral.create" in history.text and "person.view" in history.text
    assert "unrelated.event" not in history.text
    with app.app_context():
        (viewed,) = _events("audit.view")
        assert (viewed.object_type, viewed.object_id) == ("referral", str(referral_id))
        assert viewed.actor_id == str(admin.id) and viewed.request_id


def test_an_unknown_or_malformed_reference_is_refused(client, login_as):
    login_as("admin")
    token = csrf_token(client, "/admin/audit/")
    assert (
        client.post(
            "/admin/audit/search", data={"reference": "R999999", "csrf_token": token}
        ).status_code
        == 404
    )
    bad = client.post("/admin/audit/search", data={"reference": "Smith", "csrf_token": token})
    assert bad.status_code == 400 and "like R000123" in bad.text
    assert client.get("/admin/audit/referral/999999").status_code == 404


def test_verify_button_reports_intact_then_the_first_bad_sequence(app, client, login_as):
    login_as("admin")
    with app.app_context():
        _referral_with_history()
        first = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).first()
    token = csrf_token(client, "/admin/audit/")
    intact = client.post("/admin/audit/verify", data={"csrf_token": token})
    assert intact.status_code == 200 and "Intact" in intact.text
    with app.app_context():
        tamper("UPDATE audit_events SET reason = 'edited' WHERE seq = :s", s=first)
        db.session.commit()
    broken = client.post("/admin/audit/verify", data={"csrf_token": token})
    assert "Broken" in broken.text
    assert f"First bad sequence number: <strong>{first}</strong>" in broken.text
    assert client.post("/admin/audit/verify").status_code == 400  # no CSRF token
    with app.app_context():
        verified = _events("audit.verify")
        assert [e.details["ok"] for e in verified] == [True, False]


def test_a_screener_closes_a_referral_through_the_route(app, client, login_as):
    login_as("screener")
    with app.app_context():
        referral_id = make_referral().id
        db.session.commit()
    url = f"/referrals/{referral_id}/close"
    token = csrf_token(client, url)
    empty = client.post(url, data={"reason": "", "csrf_token": token})
    assert empty.status_code == 400
    data = {"reason": "support_completed", "detail": "Ended well", "csrf_token": token}
    shown = client.post(url, data=data)  # the confirmation page: nothing closed yet
    assert shown.status_code == 200 and "You are closing" in shown.text
    done = client.post(url, data={**data, "confirmed": "yes"})
    assert done.status_code == 302
    with app.app_context():
        referral = db.session.get(Referral, referral_id)
        assert referral.status == "closed" and referral.retention_until is not None
        (event,) = _events("referral.close")
        # The reason's code only: free text never goes into the audit trail.
        assert event.reason is None and event.details["reason_code"] == "support_completed"
        assert "Ended well" not in str(event.details)
    assert "Kept until" in client.get(url).text


@pytest.mark.parametrize("role", ["referrer", "idva", "admin", "manager"])
def test_others_cannot_close_a_referral(app, client, login_as, role):
    login_as(role)
    with app.app_context():
        referral_id = make_referral().id
        db.session.commit()
    assert client.get(f"/referrals/{referral_id}/close").status_code in (403, 404)
    with app.app_context():
        assert db.session.get(Referral, referral_id).status == "received"
        assert len(_events("access.denied")) == 1


def test_an_admin_downloads_a_subject_access_export(app, client, login_as):
    login_as("admin")
    with app.app_context():
        person_id = make_referral().victim_id
        db.session.commit()
    token = csrf_token(client, "/admin/subject-access")
    response = client.post(
        "/admin/subject-access", data={"person_id": person_id, "csrf_token": token}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.data)["person"]["id"] == person_id
    with app.app_context():
        (event,) = _events("person.export")
        assert event.object_id == str(person_id)
    missing = client.post("/admin/subject-access", data={"person_id": 999999, "csrf_token": token})
    assert missing.status_code == 400
