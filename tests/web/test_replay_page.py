"""The manager's replay page: counts and a table of references, no names, nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from tests.services.test_replay import make_referral
from tests.services.test_rulesets import variant
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import AuditEvent, Referral


def add_referrals(app) -> list[tuple[int, str]]:
    with app.app_context():
        june = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
        made = [
            make_referral(june, 1, police_callouts_12m=2),
            make_referral(june, 2, police_callouts_12m=0),
        ]
        db.session.commit()
        return [(r.id, r.reference) for r in made]


def dates(prefix: str, day: int, month: int, year: int) -> list[tuple[str, str]]:
    return [(prefix, str(day)), (prefix, str(month)), (prefix, str(year))]


def post(client, fields: list[tuple[str, str]]):
    token = csrf_token(client, "/rule-sets/replay")
    body = "&".join(f"{k}={v}" for k, v in [("csrf_token", token), *fields])
    return client.post(
        "/rule-sets/replay", data=body, content_type="application/x-www-form-urlencoded"
    )


def test_only_managers_replay(client, login_as):
    login_as("screener")
    assert client.get("/rule-sets/replay").status_code == 403


def test_replay_pasted_rules(app, client, login_as):
    (changed_id, changed_ref), (_, same_ref) = add_referrals(app)
    login_as("manager")
    assert client.get("/rule-sets/replay").status_code == 200
    from urllib.parse import quote

    fields = [
        ("choice", "pasted"),
        ("version", "2026.1-dash"),
        ("source", quote(variant("2027.1-test", callouts=2))),
        *dates("date_from", 1, 6, 2026),
        *dates("date_to", 30, 6, 2026),
    ]
    response = post(client, fields)
    assert response.status_code == 200, response.text
    assert 'id="count-total">2<' in response.text
    assert 'id="count-marac">1<' in response.text and 'id="count-risk">0<' in response.text
    assert changed_ref in response.text and same_ref not in response.text
    assert "none → <strong>Potential escalation</strong>" in response.text
    assert "VictimB" not in response.text  # references only: managers see no names
    with app.app_context():
        referral = db.session.get(Referral, changed_id)
        assert referral.assessment["marac_criteria"] == []  # unchanged
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ruleset.replay"))
        assert event.actor_type == "user" and event.details["changed"] == 1


def test_replay_stored_version_and_errors(app, client, login_as):
    add_referrals(app)
    login_as("manager")
    fields = [
        ("choice", "stored"),
        ("version", "2026.1-dash"),
        *dates("date_from", 1, 6, 2026),
        *dates("date_to", 30, 6, 2026),
    ]
    response = post(client, fields)
    assert response.status_code == 200
    assert 'id="count-total">2<' in response.text
    assert "No referral in this range would change" in response.text

    backwards = post(
        client,
        [
            ("choice", "stored"),
            ("version", "2026.1-dash"),
            *dates("date_from", 30, 6, 2026),
            *dates("date_to", 1, 6, 2026),
        ],
    )
    assert backwards.status_code == 400 and "There is a problem" in backwards.text

    bad_rules = post(
        client,
        [
            ("choice", "pasted"),
            ("source", "version%3A%20x"),
            *dates("date_from", 1, 6, 2026),
            *dates("date_to", 30, 6, 2026),
        ],
    )
    assert bad_rules.status_code == 400
    assert "version%3A" not in bad_rules.text and "version: x" in bad_rules.text  # text kept


def test_malformed_dates_are_field_errors_not_crashes(client, login_as):
    login_as("manager")
    for fields in (
        [("choice", "stored"), ("version", "2026.1-dash")],
        [("choice", "stored"), ("date_from", "x"), ("date_to", "1"), ("date_to", "2")],
        [*dates("date_from", 1, 6, 2026), *dates("date_to", 1, 6, 2026), ("date_to", "9")],
    ):
        response = post(client, fields)
        assert response.status_code == 400, fields
        assert "There is a problem" in response.text
