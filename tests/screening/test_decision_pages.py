"""The screening decision through the test client: record, revise, raise by judgement, the
stale-version page (the newer decision beside the screener's kept entries), and the referral
page's decision, safe-contact block and timeline."""

from __future__ import annotations

import re

from tests.factories import make_user
from tests.screening.support import referral
from triage.extensions import db
from triage.models import Referral


def _csrf(page) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def _setup(app, **kwargs):
    with app.app_context():
        case = referral(**kwargs)
        idva = make_user(roles=["idva"], name="Ira Idva")
        details = case.victim_details
        details.phone = "07700 900123"
        details.safe_to_call = True
        details.safe_to_leave_message = False
        details.safe_times = "Weekdays 10:00 to 12:00"
        db.session.commit()
        return case.id, idva.id


def _form(page, **fields) -> dict:
    data = {"csrf_token": _csrf(page), "based_on_version": "0", "route": "s2s_offer"}
    data.update(fields)
    return data


def test_a_screener_records_then_revises_a_decision(app, client, login_as):
    login_as("screener")
    case_id, idva_id = _setup(app)
    page = client.get(f"/referrals/{case_id}/screening")
    assert page.status_code == 200 and "Screening decision" in page.text
    saved = client.post(
        f"/referrals/{case_id}/screening",
        data=_form(page, route="idva", owner_id=str(idva_id), agencies=["police", "housing"]),
    )
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/referrals/{case_id}")
    shown = client.get(f"/referrals/{case_id}").text
    assert "IDVA allocation" in shown and "Ira Idva" in shown and "Police, Housing" in shown
    assert "Screening decision v1: IDVA allocation" in shown  # on the timeline
    page = client.get(f"/referrals/{case_id}/screening")
    assert 'value="1"' in page.text  # the revision is based on version 1
    assert 'value="idva" checked' in page.text  # and starts from it
    revised = client.post(
        f"/referrals/{case_id}/screening",
        data=_form(
            page,
            based_on_version="1",
            route="no_further_action",
            no_action_reason="Victim supported by another borough",
            owner_id=str(idva_id),
        ),
    )
    assert revised.status_code == 302
    shown = client.get(f"/referrals/{case_id}").text
    assert "Version 2 (revised 1 time)" in shown
    assert "Earlier versions (1)" in shown
    assert "Victim supported by another borough" in shown


def test_problems_are_shown_against_their_fields_and_what_was_typed_is_kept(app, client, login_as):
    login_as("screener")
    case_id, _idva = _setup(app)
    page = client.get(f"/referrals/{case_id}/screening")
    refused = client.post(
        f"/referrals/{case_id}/screening",
        data=_form(page, route="signpost", owner_id="", notes="Spoke to the officer"),
    )
    assert refused.status_code == 200
    assert "There is a problem" in refused.text
    assert "Owner: select a named worker who may hold cases" in refused.text
    refused = client.post(
        f"/referrals/{case_id}/screening",
        data=_form(page, route="signpost", owner_id=str(_idva), notes="Spoke to the officer"),
    )
    assert "Signposted to: enter the service the victim is signposted to" in refused.text
    assert "Spoke to the officer" in refused.text
    with app.app_context():
        assert db.session.get(Referral, case_id).assigned_idva_id is None


def test_a_stale_decision_is_refused_and_the_newer_one_shown_beside_the_kept_entries(
    app, client, login_as
):
    login_as("screener")
    case_id, idva_id = _setup(app)
    first_page = client.get(f"/referrals/{case_id}/screening")
    second_page = client.get(f"/referrals/{case_id}/screening")  # a second screener, same time
    client.post(
        f"/referrals/{case_id}/screening",
        data=_form(first_page, route="idva", owner_id=str(idva_id), notes="First view"),
    )
    stale = client.post(
        f"/referrals/{case_id}/screening",
        data=_form(second_page, route="perpetrator_pathway", owner_id=str(idva_id), notes="Mine"),
    )
    assert stale.status_code == 409
    assert "Someone else saved a decision (version 1)" in stale.text
    assert "IDVA allocation" in stale.text  # the newer decision
    assert ">Mine</textarea>" in stale.text  # the screener's own entries, kept
    assert 'value="perpetrator_pathway" checked' in stale.text
    assert 'name="based_on_version" type="hidden" value="1"' in stale.text
    shown = client.get(f"/referrals/{case_id}").text
    assert "Perpetrator pathway" not in shown  # nothing overwritten


def test_raising_by_judgement_through_the_form_shows_old_and_new_assessment(app, client, login_as):
    login_as("screener")
    case_id, idva_id = _setup(app, yes=5)
    page = client.get(f"/referrals/{case_id}/screening")
    saved = client.post(
        f"/referrals/{case_id}/screening",
        data=_form(
            page,
            route="marac",
            owner_id=str(idva_id),
            raise_risk="y",
            judgement_reason="Threats to kill reported since the referral",
        ),
    )
    assert saved.status_code == 302
    shown = client.get(f"/referrals/{case_id}").text
    assert "Risk raised to High by professional judgement" in shown
    assert "Assessed: Standard risk" in shown  # the old one is kept
    assert "Standard to High: Threats to kill reported since the referral" in shown
    page = client.get(f"/referrals/{case_id}/screening")
    assert "already raised by professional judgement" in page.text


def test_the_safe_contact_block_is_only_for_those_who_contact_victims(app, client, login_as):
    case_id, _idva = _setup(app)
    login_as("screener")
    shown = client.get(f"/referrals/{case_id}").text
    assert "Safe contact" in shown and "07700 900123" in shown
    assert "Weekdays 10:00 to 12:00" in shown
    with app.app_context():
        coordinator = make_user(roles=["marac_coordinator"])
        referrer = make_user(roles=["referrer"])
        case = db.session.get(Referral, case_id)
        case.referrer_id = referrer.id
        from triage.models import MaracListing, MaracMeeting

        meeting = MaracMeeting(
            starts_at=case.received_at.replace(year=2027),
            cutoff_at=case.received_at.replace(year=2027),
            capacity=25,
        )
        db.session.add(meeting)
        db.session.flush()
        db.session.add(MaracListing(meeting_id=meeting.id, referral_id=case_id, criteria=[]))
        db.session.commit()
        coordinator_id, referrer_id = coordinator.id, referrer.id
    for user_id in (coordinator_id, referrer_id):
        login_as(user_id=user_id)
        page = client.get(f"/referrals/{case_id}")
        assert page.status_code == 200
        assert "Safe contact" not in page.text and "07700 900123" not in page.text
        assert "Record a screening decision" not in page.text


def test_an_idva_owner_gets_the_case_and_its_safe_contact_block(app, client, login_as):
    case_id, idva_id = _setup(app)
    login_as(user_id=idva_id)
    assert client.get(f"/referrals/{case_id}").status_code == 404  # not theirs yet
    screener = login_as("screener")
    page = client.get(f"/referrals/{case_id}/screening")
    client.post(
        f"/referrals/{case_id}/screening",
        data=_form(page, route="idva", owner_id=str(idva_id)),
    )
    login_as(user_id=idva_id)
    shown = client.get(f"/referrals/{case_id}")
    assert shown.status_code == 200
    assert "07700 900123" in shown.text  # an IDVA who may see the case contacts the victim
    assert client.get(f"/referrals/{case_id}/screening").status_code == 403
    assert screener.id != idva_id


def test_the_new_routes_are_walked_by_the_access_matrix(app):
    from tests.security.support import CASE_CAPABILITIES, routes

    found = {(r.endpoint, r.method): r.access for r in routes(app)}
    for key in (
        ("decisions.decide", "GET"),
        ("decisions.decide", "POST"),
        ("api.record_screening_decision", "POST"),
    ):
        assert found[key] == "referral.screen"
    assert "referral.screen" in CASE_CAPABILITIES  # so an invisible case must answer 404


def test_a_hand_made_post_with_unknown_codes_gets_messages_naming_each_field(app, client, login_as):
    login_as("screener")
    case_id, _idva = _setup(app)
    page = client.get(f"/referrals/{case_id}/screening")
    refused = client.post(
        f"/referrals/{case_id}/screening",
        data=_form(page, route="teleport", owner_id="987654", agencies=["nowhere"]),
    )
    assert refused.status_code == 200
    for message in (
        "Route: select what happens next",
        "Owner: select a named worker who may hold cases",
        "Agencies to inform: choose only from the listed agencies",
    ):
        assert message in refused.text
    assert "Not a valid choice" not in refused.text
