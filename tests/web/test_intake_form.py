"""The long referral form through the test client, with CSRF on: sections, errors, drafts,
near matches, check your answers, and the result page."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.people.support import earlier_case
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent, Referral, ReferralDraft, User


def token(client, path: str) -> str:
    page = client.get(path)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post(client, path: str, data: dict, **kwargs):
    return client.post(path, data={**data, "csrf_token": token(client, path)}, **kwargs)


REFERRER = {
    "source_agency": "police",
    "referrer_name": "PC Jo Bloggs",
    "referrer_contact": "",
    "police_reference": "",
    "received_date": ["", "", ""],
    "received_time": "",
    "consent_basis": "consent",
}
VICTIM = {
    "victim_first_name": "Amira",
    "victim_last_name": "Khan",
    "victim_date_of_birth": ["12", "4", "1991"],
    "victim_gender": "female",
    "victim_postcode": "E15 1AA",
    "victim_address": "",
    "victim_ethnicity": "asian_pakistani",
    "victim_sexual_orientation": "",
    "victim_disability": "no",
}
PERPETRATOR = {
    "perpetrator_known": "yes",
    "perpetrator_first_name": "Daniel",
    "perpetrator_last_name": "Reed",
    "perpetrator_date_of_birth": ["3", "9", "1988"],
    "perpetrator_gender": "male",
    "perpetrator_postcode": "",
    "children_in_household": "2",
}


def dash(yes: int, **details) -> dict:
    answers = {f"q{n}": ("yes" if n <= yes else "no") for n in range(1, 25)}
    answers.update({f"q{n}_detail": text for n, text in details.items()})
    answers["dash_completed_by"] = "PC Jo Bloggs"
    answers["dash_completed_on"] = ["1", "5", "2026"]
    return answers


RISK = {
    "police_callouts_12m": "1",
    "professional_judgement": "no",
    "professional_judgement_reason": "",
    "victim_needs": ["alcohol", "mental_health"],
    "detail": "Neighbour called the police.",
}


def fill_all(client, yes: int = 15, risk: dict | None = None) -> None:
    for section, data in (
        ("referrer", REFERRER),
        ("victim", VICTIM),
        ("perpetrator", PERPETRATOR),
        ("dash", dash(yes)),
        ("risk", risk or RISK),
    ):
        response = post(client, f"/referrals/new/{section}", data)
        assert response.status_code == 302, (section, response.text[:2000])


def test_the_form_needs_referral_create(login_as, client):
    login_as("screener")
    assert client.get("/referrals/new").status_code == 403
    assert client.get("/referrals/new/victim").status_code == 403


def test_task_list_and_nav(login_as, client):
    login_as("referrer")
    page = client.get("/referrals/new")
    assert page.status_code == 200
    assert "New referral" in page.text
    for title in ("Referrer and consent", "Victim", "Perpetrator and children", "Dash risk"):
        assert title in page.text
    assert "Not yet started" in page.text
    assert 'href="/referrals/new/referrer"' in page.text
    assert client.get("/referrals/new/nonsense").status_code == 404


def test_post_without_csrf_is_refused(login_as, client):
    login_as("referrer")
    response = client.post("/referrals/new/referrer", data=REFERRER)
    assert response.status_code == 400


def test_errors_link_to_fields_keep_values_and_survive_a_new_session(app, login_as, client):
    user = login_as("referrer")
    bad = {**VICTIM, "victim_first_name": "", "victim_date_of_birth": ["31", "2", "1991"]}
    response = post(client, "/referrals/new/victim", bad)
    assert response.status_code == 200
    text = response.text
    assert "There is a problem" in text
    assert "<title>Error:" in text
    summary = text.split('class="govuk-error-summary"')[1].split("</ul>")[0]
    assert 'href="#victim_first_name"' in summary
    assert "Enter the victim&#39;s first name" in summary
    assert 'href="#victim_date_of_birth-day"' in summary
    assert "Date of birth must be a real date" in summary
    assert 'id="victim_first_name"' in text and 'id="victim_date_of_birth-day"' in text
    assert 'value="Khan"' in text  # what was typed is kept
    assert 'value="31"' in text

    # The draft was saved although the section failed.
    with app.app_context():
        draft = db.session.scalar(select(ReferralDraft).where(ReferralDraft.user_id == user.id))
        assert draft.data["sections"]["victim"]["victim_last_name"] == ["Khan"]
        assert draft.data["status"]["victim"] == "errors"

    # The session times out; signing in again (a new session) finds the draft, errors and all.
    from triage.services import auth_sessions as sessions
    from triage.timeutil import utcnow

    with app.app_context():
        sessions.end_all_sessions(user.id, "idle_timeout", now=utcnow())
        db.session.commit()
    assert client.get("/referrals/new/victim").status_code == 302  # signed out
    login_as(user_id=user.id)
    fresh = client
    page = fresh.get("/referrals/new/victim")
    assert page.status_code == 200
    assert 'value="Khan"' in page.text
    assert "Enter the victim&#39;s first name" in page.text
    tasks = fresh.get("/referrals/new")
    assert "There is a problem" in tasks.text
    assert "You have a draft referral" in tasks.text


def test_partial_date_is_an_error_not_ignored(login_as, client):
    login_as("referrer")
    response = post(
        client, "/referrals/new/victim", {**VICTIM, "victim_date_of_birth": ["", "4", "1991"]}
    )
    assert response.status_code == 200
    assert "Date of birth must include a day" in response.text


def test_dash_section_shows_every_question_and_needs_an_answer(login_as, client):
    login_as("referrer")
    page = client.get("/referrals/new/dash")
    assert "Has the current incident resulted in an injury?" in page.text
    assert (
        "Has the abuser ever tried to strangle, choke, suffocate or drown the victim?" in page.text
    )
    answers = dash(3)
    del answers["q7"]
    response = post(client, "/referrals/new/dash", answers)
    assert response.status_code == 200
    assert 'href="#q7"' in response.text
    assert "Select an answer to question 7" in response.text


def test_judgement_needs_a_reason(login_as, client):
    login_as("referrer")
    response = post(client, "/referrals/new/risk", {**RISK, "professional_judgement": "yes"})
    assert response.status_code == 200
    assert 'href="#professional_judgement_reason"' in response.text


def test_perpetrator_not_known(login_as, client):
    login_as("referrer")
    response = post(
        client,
        "/referrals/new/perpetrator",
        {"perpetrator_known": "no", "children_in_household": "0"},
    )
    assert response.status_code == 302


def test_full_flow_check_answers_submit_and_result(app, login_as, client):
    user = login_as("referrer")
    fill_all(client, yes=15)
    tasks = client.get("/referrals/new")
    assert tasks.text.count("Completed") == 5
    check = client.get("/referrals/new/check")
    assert check.status_code == 200
    assert "Check your answers before sending the referral" in check.text
    assert "Amira Khan" in check.text and "Daniel Reed" in check.text
    assert "Alcohol misuse, Mental health" in check.text
    assert 'href="/referrals/new/victim?return=check#victim_first_name"' in check.text
    assert 'href="/referrals/new/victim?return=check#victim_date_of_birth-day"' in check.text

    # Change one answer from the check page and come back to it.
    response = post(
        client, "/referrals/new/risk?return=check", {**RISK, "police_callouts_12m": "3"}
    )
    assert response.headers["Location"].endswith("/referrals/new/check")

    response = post(client, "/referrals/new/check", {})
    assert response.status_code == 302
    location = response.headers["Location"]
    assert re.fullmatch(r"/referrals/\d+", location)
    page = client.get(location)
    assert page.status_code == 200
    text = page.text
    assert "15 of 24" in text
    assert "24 of 24 answered" in text
    assert "Visible high risk" in text and "Potential escalation" in text
    assert "Risk level high: 15 of 24 Dash questions answered yes (high is 14 or more)." in text
    assert "Multiple complex issues: victim needs alcohol misuse and mental health." in text
    assert "Complex case" in text
    assert "2026.1-dash" in text
    with app.app_context():
        referral = db.session.get(Referral, int(location.rsplit("/", 1)[1]))
        assert referral.referrer_id == user.id
        assert referral.answers["police_callouts_12m"] == 3
        assert referral.victim.date_of_birth == date(1991, 4, 12)
        assert referral.offer_due_at is not None
        assert (
            db.session.scalar(select(ReferralDraft).where(ReferralDraft.user_id == user.id)) is None
        )
        actions = list(
            db.session.scalars(
                select(AuditEvent.action).where(AuditEvent.object_id == str(referral.id))
            )
        )
        assert "referral.create" in actions and "referral.view" in actions
    # The draft is gone: submitting again makes nothing.
    again = client.post(
        "/referrals/new/check", data={"csrf_token": token(client, "/referrals/new")}
    )
    assert again.status_code == 302 and again.headers["Location"].startswith("/referrals/new")


def test_check_page_waits_for_every_section(login_as, client):
    login_as("referrer")
    post(client, "/referrals/new/referrer", REFERRER)
    response = client.get("/referrals/new/check")
    assert response.status_code == 302
    assert response.headers["Location"] == "/referrals/new/victim"


def test_service_problems_link_back_to_the_section(app, login_as, client):
    login_as("referrer")
    fill_all(client, yes=3)
    # Dash completed after the referral was received (the form alone cannot tell).
    post(
        client,
        "/referrals/new/referrer",
        {**REFERRER, "received_date": ["30", "4", "2026"], "received_time": "09:00"},
    )
    response = post(client, "/referrals/new/check", {})
    assert response.status_code == 200
    assert "There is a problem" in response.text
    assert 'href="/referrals/new/dash?return=check#dash_completed_on-day"' in response.text
    page = client.get("/referrals/new/dash?return=check")
    assert "The checklist must have been completed on or before" in page.text
    assert "There is a problem" in client.get("/referrals/new").text


def test_near_match_asks_the_user_and_never_merges_silently(app, login_as, client):
    user = login_as("referrer")
    with app.app_context():
        # The user's own earlier case: near matches come only from cases they may see.
        known = earlier_case(user.id, last_name="Kahn").victim
        db.session.commit()
        known_id = known.id
    post(client, "/referrals/new/referrer", REFERRER)
    response = post(client, "/referrals/new/victim", VICTIM)
    assert response.headers["Location"] == "/referrals/new/match/victim"
    page = client.get("/referrals/new/match/victim")
    assert "Is this the same person?" in page.text
    assert "Amira Kahn" in page.text and "A different person" in page.text
    missing = post(client, "/referrals/new/match/victim", {})
    assert 'href="#choice"' in missing.text
    with app.app_context():
        shown = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "person.match_offered")
            .order_by(AuditEvent.seq.desc())
        )
        assert shown.details == {"role": "victim", "person_ids": [known_id]}

    response = post(client, "/referrals/new/match/victim", {"choice": str(known_id)})
    assert response.headers["Location"] == "/referrals/new/perpetrator"
    for section, data in (("perpetrator", PERPETRATOR), ("dash", dash(2)), ("risk", RISK)):
        post(client, f"/referrals/new/{section}", data)
    check = client.get("/referrals/new/check")
    assert "You confirmed the victim is someone already known" in check.text
    location = post(client, "/referrals/new/check", {}).headers["Location"]
    with app.app_context():
        referral = db.session.get(Referral, int(location.rsplit("/", 1)[1]))
        assert referral.victim_id == known_id


def test_choosing_a_different_person_creates_a_new_one(app, login_as, client):
    user = login_as("referrer")
    with app.app_context():
        known = earlier_case(user.id, last_name="Kahn").victim
        db.session.commit()
        known_id = known.id
    fill_all(client, yes=2)
    assert (
        client.get("/referrals/new/check")
        .headers["Location"]
        .startswith("/referrals/new/match/victim")
    )
    post(client, "/referrals/new/match/victim?return=check", {"choice": "new"})
    location = post(client, "/referrals/new/check", {}).headers["Location"]
    with app.app_context():
        referral = db.session.get(Referral, int(location.rsplit("/", 1)[1]))
        assert referral.victim_id != known_id


def test_changing_the_name_asks_again(app, login_as, client):
    user = login_as("referrer")
    with app.app_context():
        earlier_case(user.id, last_name="Kahn")
        db.session.commit()
    post(client, "/referrals/new/victim", VICTIM)
    post(client, "/referrals/new/match/victim", {"choice": "new"})
    response = post(client, "/referrals/new/victim", {**VICTIM, "victim_first_name": "Amirah"})
    assert response.headers["Location"] == "/referrals/new/match/victim"


def test_discard_deletes_the_draft(app, login_as, client):
    user = login_as("referrer")
    post(client, "/referrals/new/referrer", REFERRER)
    response = client.post(
        "/referrals/new/discard", data={"csrf_token": token(client, "/referrals/new")}
    )
    assert response.status_code == 302
    with app.app_context():
        assert (
            db.session.scalar(select(ReferralDraft).where(ReferralDraft.user_id == user.id)) is None
        )


@pytest.mark.parametrize("role", ["idva", "referrer"])
def test_nav_shows_new_referral_to_those_who_may_create(login_as, client, role):
    login_as(role)
    assert 'href="/referrals/new"' in client.get("/").text


def test_nav_hides_new_referral_from_others(login_as, client):
    login_as("manager")
    assert 'href="/referrals/new"' not in client.get("/").text


def test_a_post_missing_fields_is_shown_again_not_an_error_page(login_as, client):
    login_as("referrer")
    response = post(client, "/referrals/new/perpetrator", {"perpetrator_known": "yes"})
    assert response.status_code == 200
    assert "Enter the perpetrator&#39;s first name" in response.text
    assert 'id="perpetrator_date_of_birth-day"' in response.text


def test_a_section_sent_after_the_session_timed_out_is_saved(app, login_as, client):
    from datetime import timedelta

    from triage.models import AuthSession
    from triage.timeutil import utcnow

    user = login_as("referrer")
    csrf = token(client, "/referrals/new/referrer")
    with app.app_context():  # the user left the page open for two hours
        for row in db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)):
            row.last_seen_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    response = client.post("/referrals/new/referrer", data={**REFERRER, "csrf_token": csrf})
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")
    assert "next=/referrals/new/referrer" in response.headers["Location"].replace("%2F", "/")
    with app.app_context():
        draft = db.session.scalar(select(ReferralDraft).where(ReferralDraft.user_id == user.id))
        assert draft.data["sections"]["referrer"]["referrer_name"] == ["PC Jo Bloggs"]
        event = db.session.scalar(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1))
        assert event.action == "referral_draft.saved_after_time_out"
    login_as(user_id=user.id)
    page = client.get("/referrals/new/referrer")
    assert 'value="PC Jo Bloggs"' in page.text


def test_a_post_from_a_signed_out_browser_saves_nothing(app, client):
    response = client.post("/referrals/new/referrer", data=REFERRER)
    assert response.status_code in (302, 400)
    with app.app_context():
        assert db.session.scalars(select(ReferralDraft)).all() == []


def test_the_form_stores_what_the_service_stores_for_the_same_referral(app, login_as, client):
    """The form is only a way to fill in `create_referral`'s data: same facts, same result."""
    from datetime import UTC, datetime

    from tests.intake_support import referral_data
    from triage.services.actor import Actor
    from triage.services.referral_creation import create_referral

    user = login_as("referrer")
    received = {"received_date": ["4", "5", "2026"], "received_time": "09:30"}
    risk = {**RISK, "police_callouts_12m": "3", "perpetrator_management": ["mappa"]}
    for section, data in (
        ("referrer", {**REFERRER, **received}),
        ("victim", VICTIM),
        ("perpetrator", PERPETRATOR),
        ("dash", dash(12, **{"3": "She fears he will come back."})),
        ("risk", risk),
    ):
        assert post(client, f"/referrals/new/{section}", data).status_code == 302
    location = client.post(
        "/referrals/new/check", data={"csrf_token": token(client, "/referrals/new")}
    ).headers["Location"]
    with app.app_context():
        by_form = db.session.get(Referral, int(location.rsplit("/", 1)[1]))
        data = referral_data(
            yes=12,
            received_at=datetime(2026, 5, 4, 8, 30, tzinfo=UTC),  # 09:30 London (BST)
            police_callouts_12m=3,
            victim_needs=["alcohol", "mental_health"],
            perpetrator_management=["mappa"],
            dash_completed_on=date(2026, 5, 1),
        )
        by_service = create_referral(
            data,
            actor=Actor.for_user(db.session.get(User, user.id)),
            now=data["received_at"],
            settings=app_settings(),
        ).referral
        assert by_form.received_at == by_service.received_at
        assert by_form.assessment == by_service.assessment
        assert by_form.answers == by_service.answers
        assert by_form.answer_details == {"3": "She fears he will come back."}
        assert by_form.victim_id == by_service.victim_id  # the same person, matched exactly


def test_the_form_fills_in_the_one_definition_of_the_input(app, login_as, client):
    """The form's answers map onto the same input model the API and the CSV import use."""
    from triage.field_validation import check_shape
    from triage.intake import flow
    from triage.referral_input import ReferralInput
    from triage.services import drafts
    from triage.services.rulesets import active_ruleset

    user = login_as("referrer")
    for section, data in (
        ("referrer", REFERRER),
        ("victim", VICTIM),
        ("perpetrator", PERPETRATOR),
        ("dash", dash(3)),
        ("risk", RISK),
    ):
        assert post(client, f"/referrals/new/{section}", data).status_code == 302
    with app.test_request_context():
        data = flow.data_from_draft(drafts.load(user.id), active_ruleset())
        assert data is not None
        assert set(data) <= set(ReferralInput.model_fields)
        assert check_shape(ReferralInput, data)[1] == []
