"""The referral page: what was decided and why, and who may see it (object-level, audited)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.intake_support import referral_data
from tests.settings_support import app_settings, marac_args
from triage.extensions import db
from triage.models import AuditEvent, User
from triage.services.actor import Actor
from triage.services.referral_creation import create_referral


def make(app, owner_id: int | None = None, **data_overrides) -> int:
    """A referral created through the service by `owner_id` (a new referrer if None)."""
    yes = data_overrides.pop("yes", 15)
    when = data_overrides.pop("at", datetime(2026, 5, 5, 8, 30, tzinfo=UTC))
    with app.app_context():
        owner = db.session.get(User, owner_id) if owner_id else make_user(roles=["referrer"])
        data = referral_data(
            yes=yes, received_at=when, dash_completed_on=when.date(), **data_overrides
        )
        referral = create_referral(
            data, actor=Actor.for_user(owner), now=when, settings=app_settings()
        ).referral
        db.session.commit()
        return referral.id


def last_event(app) -> AuditEvent:
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        db.session.expunge(event)
        return event


def test_the_referrer_sees_their_referral_and_the_view_is_audited(app, login_as, client):
    user = login_as("referrer")
    referral_id = make(
        app,
        user.id,
        police_callouts_12m=3,
        victim_needs=["alcohol", "mental_health"],
        dash={n: ("yes" if n <= 15 else "no" if n <= 20 else "not_asked") for n in range(1, 25)},
    )
    page = client.get(f"/referrals/{referral_id}")
    assert page.status_code == 200
    text = page.text
    assert f"R{referral_id:06d}" in text
    assert "15 of 24" in text
    assert "20 of 24 answered" in text
    assert "incomplete checklist" in text
    assert "Visible high risk, Potential escalation" in text
    assert "Potential escalation: 3 police call-outs in the last 12 months (threshold 3)." in text
    assert "govuk-tag--purple" in text and "Complex case" in text
    assert "Victim needs: Alcohol misuse, Mental health" in text
    assert "Complex-case pathway (MCIC)" in text
    assert "rule set 2026.1-dash" in text
    assert "5 May 2026 at 09:30" in text  # received, London time
    assert "PC Jo Bloggs on 5 May 2026" in text  # who completed the Dash and when
    assert "6 May 2026 at 17:00" in text  # S2S offer due
    assert "Amira Khan" in text
    event = last_event(app)
    assert event.action == "referral.view"
    assert event.object_type == "referral" and event.object_id == str(referral_id)
    assert event.actor_id == str(user.id)


def test_repeat_line(app, login_as, client):
    user = login_as("referrer")
    make(app, user.id, yes=15, at=datetime(2026, 5, 3, 9, 0, tzinfo=UTC))
    repeat_id = make(app, user.id, yes=2, at=datetime(2026, 9, 1, 9, 0, tzinfo=UTC))
    text = client.get(f"/referrals/{repeat_id}").text
    assert "Repeat: last referred to MARAC on 3 May 2026." in text
    assert "Repeat: last referred to MARAC on 3 May 2026, within 12 months" in text


def test_another_referrer_gets_404_and_the_refusal_is_audited(app, login_as, client):
    referral_id = make(app)
    other = login_as("referrer")
    response = client.get(f"/referrals/{referral_id}")
    assert response.status_code == 404
    assert "Amira" not in response.text
    event = last_event(app)
    assert event.action == "access.denied"
    assert event.actor_id == str(other.id)
    assert event.object_type == "referral" and event.object_id == str(referral_id)
    with app.app_context():
        views = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "referral.view", AuditEvent.object_id == str(referral_id)
            )
        ).all()
        assert views == []


def test_unknown_referral_is_404_like_a_forbidden_one(app, login_as, client):
    login_as("referrer")
    response = client.get("/referrals/999999")
    assert response.status_code == 404
    assert "Page not found" in response.text


@pytest.mark.parametrize(("role", "status"), [("screener", 200), ("manager", 403), ("admin", 403)])
def test_roles(app, login_as, client, role, status):
    referral_id = make(app)
    login_as(role)
    assert client.get(f"/referrals/{referral_id}").status_code == status


def test_assigned_idva_sees_it(app, login_as, client):
    referral_id = make(app)
    idva = login_as("idva")
    with app.app_context():
        from triage.models import Referral

        db.session.get(Referral, referral_id).assigned_idva_id = idva.id
        db.session.commit()
    assert client.get(f"/referrals/{referral_id}").status_code == 200


def test_offer_link_only_for_those_who_may_record_one(app, login_as, client):
    referral_id = make(app)
    login_as("screener")
    text = client.get(f"/referrals/{referral_id}").text
    if "offers.record" in app.view_functions:
        assert f'href="/referrals/{referral_id}/contact"' in text
    referrer = login_as("referrer")
    own = make(app, referrer.id)
    assert "/contact" not in client.get(f"/referrals/{own}").text  # referrers record no offers


def test_home_page_links_to_the_referral(app, login_as, client):
    user = login_as("referrer")
    referral_id = make(app, user.id)
    assert f'href="/referrals/{referral_id}"' in client.get("/").text


def test_marac_meeting_is_shown_once_listed(app, login_as, client):
    from triage.services import marac_listing, marac_meetings

    user = login_as("referrer")
    referral_id = make(app, user.id, yes=15)
    assert "Not listed yet" in client.get(f"/referrals/{referral_id}").text
    when = datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    with app.app_context():
        actor = Actor.system("test")
        marac_meetings.ensure_meetings(now=when, weeks=4, actor=actor, **marac_args())
        listing = marac_listing.list_referral(referral_id, now=when, actor=actor, **marac_args())
        starts = listing.meeting.starts_at
        db.session.commit()
    text = client.get(f"/referrals/{referral_id}").text
    assert "Listed for the meeting on" in text
    local = starts.astimezone(ZoneInfo("Europe/London"))
    assert f"{local.day} {local:%B %Y} at {local:%H:%M}" in text
    # Received at the same instant as the first: not after it, so not a repeat.
    not_marac = make(app, user.id, yes=2, police_reference="OTHER-1")
    assert "Not for MARAC" in client.get(f"/referrals/{not_marac}").text


def test_close_link_for_the_screening_team_only(app, login_as, client):
    referral_id = make(app)
    login_as("screener")
    assert f'href="/referrals/{referral_id}/close"' in client.get(f"/referrals/{referral_id}").text
    referrer = login_as("referrer")
    own = make(app, referrer.id)
    assert "/close" not in client.get(f"/referrals/{own}").text  # referrers do not close cases
