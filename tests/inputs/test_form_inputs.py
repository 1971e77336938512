"""Through the referral form: the same refusals as the API and the CSV, each a field error
that names the field and keeps what was typed; a problem found on an earlier submission
does not come back once it is fixed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.web.test_intake_form import PERPETRATOR, REFERRER, RISK, VICTIM, dash, fill_all, post


def section(client, name: str, data: dict):
    return post(client, f"/referrals/new/{name}", data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "victim",
            {**VICTIM, "victim_first_name": "Am\x07ira"},
            "Victim&#39;s first name must not contain control characters",
        ),
        (
            "victim",
            {**VICTIM, "victim_last_name": "\u202enahK"},
            "Victim&#39;s last name must not contain right-to-left or left-to-right override "
            "characters",
        ),
        (
            "perpetrator",
            {**PERPETRATOR, "perpetrator_first_name": "Dan\x1biel"},
            "Perpetrator&#39;s first name must not contain control characters",
        ),
        (
            "referrer",
            {**REFERRER, "referrer_name": "PC Jo\u0085Bloggs"},
            "Referrer&#39;s name must not contain control characters",
        ),
        (
            "risk",
            {**RISK, "detail": "Neighbour\x0c called"},
            "What happened must not contain control characters",
        ),
        (
            "victim",
            {**VICTIM, "victim_first_name": "A" * 101},
            "Victim&#39;s first name must be 100 characters or fewer",
        ),
        (
            "referrer",
            {**REFERRER, "police_reference": "P" * 51},
            "Police reference must be 50 characters or fewer",
        ),
        (
            "victim",
            {**VICTIM, "victim_date_of_birth": ["31", "12", "1899"]},
            "Date of birth must be between 1900 and 2100",
        ),
        (
            "victim",
            {**VICTIM, "victim_date_of_birth": ["1", "1", "2099"]},
            "Date of birth must be in the past",
        ),
        (
            "referrer",
            {**REFERRER, "received_date": ["1", "1", "2100"], "received_time": "09:00"},
            "Date the referral was received must not be in the future",
        ),
        (
            "dash",
            {**dash(3), "dash_completed_on": ["1", "1", "2100"]},
            "Date the checklist was completed must not be in the future",
        ),
        (
            "dash",
            {**dash(3), "dash_completed_on": ["1", "1", "0001"]},
            "Date the checklist was completed must be a real date",
        ),
    ],
)
def test_bad_text_and_dates_are_field_errors(login_as, client, name, data, message):
    login_as("idva")
    response = section(client, name, data)
    assert response.status_code == 200, response.status_code
    assert "There is a problem" in response.text
    assert message in response.text


def test_what_was_typed_is_kept(login_as, client):
    login_as("idva")
    response = section(client, "victim", {**VICTIM, "victim_last_name": "Kh\u202ean"})
    assert 'value="Kh\u202ean"' in response.text


def test_newlines_and_tabs_are_fine_in_multi_line_fields(login_as, client):
    login_as("idva")
    response = section(client, "risk", {**RISK, "detail": "Line one\r\n\tline two"})
    assert response.status_code == 302


def test_a_received_time_later_today_is_refused_by_the_service(app, login_as, client):
    login_as("idva")
    fill_all(client, yes=3)
    later = datetime.now(UTC) + timedelta(hours=2)
    if later.date() != datetime.now(UTC).date():
        pytest.skip("too close to midnight for a later time today")
    local = later.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London"))
    section(
        client,
        "referrer",
        {
            **REFERRER,
            "received_date": [str(local.day), str(local.month), str(local.year)],
            "received_time": local.strftime("%H:%M"),
        },
    )
    response = post(client, "/referrals/new/check", {})
    assert "Date and time received must not be in the future" in response.text


def test_a_problem_fixed_in_another_section_does_not_come_back(app, login_as, client):
    login_as("referrer")
    fill_all(client, yes=3)
    # Received before the checklist was done: found by the service, shown on the Dash section.
    received = {**REFERRER, "received_date": ["30", "4", "2026"], "received_time": "09:00"}
    section(client, "referrer", received)
    response = post(client, "/referrals/new/check", {})
    assert "The checklist must have been completed on or before" in response.text
    assert (
        "The checklist must have been completed on or before"
        in client.get("/referrals/new/dash").text
    )
    # Fixed where it was wrong (the received date), not on the Dash section.
    section(client, "referrer", {**received, "received_date": ["2", "5", "2026"]})
    page = client.get("/referrals/new/dash")
    assert "There is a problem" not in page.text
    assert "The checklist must have been completed on or before" not in page.text
    assert "There is a problem" not in client.get("/referrals/new").text
    assert post(client, "/referrals/new/check", {}).status_code == 302


def test_an_exact_match_is_linked_only_from_a_case_the_user_may_see_and_says_so(
    app, login_as, client
):
    from tests.people.support import earlier_case
    from triage.extensions import db
    from triage.models import Referral

    with app.app_context():
        other = earlier_case(None)  # someone else's case: the referrer may not see it
        db.session.commit()
        hidden_id = other.victim_id
    user = login_as("referrer")
    fill_all(client, yes=3)
    page = client.get("/referrals/new/check")
    assert 'id="exact-victim"' not in page.text  # nothing said about a case they cannot see
    location = post(client, "/referrals/new/check", {}).headers["Location"]
    with app.app_context():
        first = db.session.get(Referral, int(location.rsplit("/", 1)[1]))
        assert first.victim_id != hidden_id  # not linked: the screening team checks
        mine = first.victim_id
    # Now the same victim again: an exact match on the user's own case is linked, and the
    # check page says so before sending (no match page: nothing to choose).
    fill_all(client, yes=3)
    page = client.get("/referrals/new/check")
    assert 'id="exact-victim"' in page.text
    assert "this referral is linked to that person" in page.text
    location = post(client, "/referrals/new/check", {}).headers["Location"]
    with app.app_context():
        second = db.session.get(Referral, int(location.rsplit("/", 1)[1]))
        assert second.victim_id == mine and second.referrer_id == user.id


def test_the_match_page_does_not_promise_what_it_cannot_keep(app, login_as, client):
    from tests.people.support import earlier_case
    from triage.extensions import db

    user = login_as("referrer")
    with app.app_context():
        earlier_case(user.id, last_name="Kahn")
        db.session.commit()
    section(client, "referrer", REFERRER)
    section(client, "victim", VICTIM)
    page = client.get("/referrals/new/match/victim")
    assert "never joined" not in page.text
    assert "this referral is then linked to their record" in page.text
