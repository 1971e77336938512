"""Linking a possible earlier referral re-assesses the case (DOMAIN.md, repeat criterion):
through the test client, a link that changes nothing (the victim alone: the pair has no
MARAC history yet) and one that makes the case a repeat (the perpetrator too: the pair was
referred to MARAC two months ago), which is then listed at MARAC in the same request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.api.conftest import referral_payload
from tests.web.test_intake_form import post
from triage.extensions import db
from triage.models import AssessmentRecord, AuditEvent, MaracListing, PossibleMatch, Referral

HIGH = {str(n): "yes" for n in range(1, 15)}


def _create(client, user, **changes) -> int:
    response = client.post(
        "/api/v1/referrals", json=referral_payload(**changes), headers=user.headers
    )
    assert response.status_code == 201, response.json
    return response.json["id"]


def _tasks(referral_id: int) -> dict[str, int]:
    rows = db.session.scalars(select(PossibleMatch).where(PossibleMatch.referral_id == referral_id))
    return {row.role: row.id for row in rows}


def _events(action: str, referral_id: int) -> list[dict]:
    query = select(AuditEvent.details).where(
        AuditEvent.action == action, AuditEvent.object_id == str(referral_id)
    )
    return list(db.session.scalars(query.order_by(AuditEvent.seq)))


def _setup(client, api_user) -> tuple[int, int]:
    """A high-risk referral two months ago (met the MARAC criteria), then a standard-risk
    one for the same people by another referrer, who may not see the first."""
    earlier_at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=60)
    earlier = _create(
        client,
        api_user("referrer"),
        dash=HIGH,
        received_at=earlier_at.isoformat(),
        dash_completed_on=earlier_at.date().isoformat(),
    )
    later = _create(client, api_user("referrer"))
    return earlier, later


def _link(client, task_id: int) -> str:
    response = post(
        client,
        f"/people/possible-earlier-referrals/{task_id}",
        {"outcome": "linked"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response.text


def test_a_link_that_makes_a_repeat_re_assesses_and_lists_the_case(app, client, api_user, login_as):
    earlier_id, later_id = _setup(client, api_user)
    with app.app_context():
        assert db.session.get(Referral, earlier_id).marac
        later = db.session.get(Referral, later_id)
        assert (later.marac, later.risk_level) == (False, "standard")
        tasks = _tasks(later_id)
    assert set(tasks) == {"victim", "perpetrator"}
    login_as("screener")

    # The victim alone: the pair (earlier victim, this perpetrator) has no MARAC history.
    page = _link(client, tasks["victim"])
    assert "Re-assessed with the earlier referrals: no change." in page
    with app.app_context():
        later = db.session.get(Referral, later_id)
        assert later.marac is False and later.assessment["marac_criteria"] == []
        assert (
            db.session.scalars(
                select(AssessmentRecord).where(AssessmentRecord.referral_id == later_id)
            ).all()
            == []
        )
        assert (
            db.session.scalars(
                select(MaracListing).where(MaracListing.referral_id == later_id)
            ).all()
            == []
        )
        [event] = _events("referral.reassess", later_id)
        assert event == {
            "reference": f"R{later_id:06d}",
            "cause": "match_linked",
            "changed": False,
            "risk_level": ["standard", "standard"],
            "marac": [False, False],
            "criteria_added": [],
        }

    # The perpetrator too: the same pair was referred to MARAC 60 days ago, a repeat.
    page = _link(client, tasks["perpetrator"])
    assert "it now meets the MARAC criteria and is listed for" in page
    with app.app_context():
        later = db.session.get(Referral, later_id)
        assert later.marac is True and "repeat" in later.assessment["marac_criteria"]
        assert later.risk_level == "standard"  # a repeat is heard whatever its score
        assert later.answers["last_marac_referral_at"] is not None
        records = db.session.scalars(
            select(AssessmentRecord)
            .where(AssessmentRecord.referral_id == later_id)
            .order_by(AssessmentRecord.sequence)
        ).all()
        assert [(r.sequence, r.cause, r.assessment["marac"]) for r in records] == [
            (1, "intake", False),
            (2, "match_linked", True),
        ]
        [listing] = db.session.scalars(
            select(MaracListing).where(MaracListing.referral_id == later_id)
        ).all()
        assert listing.status == "listed" and listing.is_repeat
        assert "repeat" in listing.criteria
        second = _events("referral.reassess", later_id)[-1]
        assert second["changed"] is True and second["marac"] == [False, True]
        assert second["criteria_added"] == ["repeat"]
        listed = db.session.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "marac.list", AuditEvent.object_id == str(listing.id)
            )
        )
        assert listed.details["referral_id"] == later_id
    shown = client.get(f"/referrals/{later_id}")
    assert "Re-assessed after linking an earlier referral" in shown.text


def test_dismissing_a_match_does_not_re_assess(app, client, api_user, login_as):
    _earlier_id, later_id = _setup(client, api_user)
    with app.app_context():
        tasks = _tasks(later_id)
    login_as("screener")
    for task_id in tasks.values():
        response = post(
            client, f"/people/possible-earlier-referrals/{task_id}", {"outcome": "dismissed"}
        )
        assert response.status_code == 302
    with app.app_context():
        assert _events("referral.reassess", later_id) == []
        assert db.session.get(Referral, later_id).marac is False
