"""Issue 12, findings 1 and 2, as regression tests through the API and the pages.

1. An exact name + date-of-birth match must not show a second referrer the first referrer's
   postcode, and the second referrer's next referral must not rewrite the first case.
2. The near-match page must not offer another case's victims to a referrer who cannot see
   that case; the screening team gets a "possible earlier referral" task instead.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.api.conftest import referral_payload
from tests.web.test_intake_form import PERPETRATOR, REFERRER, RISK, VICTIM, dash, post
from triage.extensions import db
from triage.models import AuditEvent, PossibleMatch, Referral

FIRST = {
    "first_name": "Jordan",
    "last_name": "Wells",
    "date_of_birth": "1991-06-14",
    "postcode": "E15 1AA",
    "address": "1 First Referrer Road",
    "gender": "female",
}


def _create(client, user, **victim) -> int:
    payload = referral_payload(victim={**FIRST, **victim})
    response = client.post("/api/v1/referrals", json=payload, headers=user.headers)
    assert response.status_code == 201, response.json
    return response.json["id"]


def _get(client, user, referral_id: int):
    return client.get(f"/api/v1/referrals/{referral_id}", headers=user.headers)


# --------------------------------------------------------------------------- finding 1


def test_a_second_referrer_never_sees_the_first_referrers_postcode(app, client, api_user):
    first, second = api_user("referrer"), api_user("referrer")
    first_id = _create(client, first)
    second_id = _create(client, second, postcode=None, address=None)

    body = _get(client, second, second_id)
    assert body.status_code == 200
    assert body.json["victim"]["postcode"] is None
    assert "E15 1AA" not in body.text and "First Referrer Road" not in body.text
    assert _get(client, second, first_id).status_code == 404


def test_a_second_referral_never_rewrites_the_first_case(app, client, api_user):
    first, second = api_user("referrer"), api_user("referrer")
    first_id = _create(client, first)
    _create(client, second, postcode=None)
    _create(client, second, postcode="N1 9ZZ", address="2 New Address Street")

    body = _get(client, first, first_id)
    assert body.json["victim"]["postcode"] == "E15 1AA"
    assert "N1 9ZZ" not in body.text and "New Address Street" not in body.text


def test_an_exact_match_from_an_unseen_case_is_not_joined_but_given_to_the_screeners(
    app, client, api_user, login_as
):
    first, second = api_user("referrer"), api_user("referrer")
    first_id = _create(client, first)
    second_id = _create(client, second, postcode="N1 9ZZ")
    with app.app_context():
        earlier, later = db.session.get(Referral, first_id), db.session.get(Referral, second_id)
        assert later.victim_id != earlier.victim_id  # nothing joined that the referrer sees
        tasks = db.session.scalars(
            select(PossibleMatch)
            .where(PossibleMatch.referral_id == second_id)
            .order_by(PossibleMatch.role.desc())
        ).all()
        # The perpetrator (the same in both payloads) is an unseen exact match too.
        assert [(t.role, t.person_id, t.kind) for t in tasks] == [
            ("victim", earlier.victim_id, "exact"),
            ("perpetrator", earlier.perpetrator_id, "exact"),
        ]
        task_id = tasks[0].id

    login_as("screener")
    listed = client.get("/people/possible-earlier-referrals")
    assert f"R{second_id:06d}" in listed.text
    page = client.get(f"/people/possible-earlier-referrals/{task_id}")
    assert page.status_code == 200
    # The screener sees both records, each labelled with where it was recorded.
    assert "N1 9ZZ" in page.text and "E15 1AA" in page.text
    assert f"R{first_id:06d}" in page.text
    assert "did not meet the MARAC criteria" in page.text  # what linking would mean for repeats
    shown = client.get(f"/referrals/{second_id}")
    assert "Possible earlier referral" in shown.text

    response = post(client, f"/people/possible-earlier-referrals/{task_id}", {"outcome": "linked"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Referral, second_id).victim_id == (
            db.session.get(Referral, first_id).victim_id
        )
        assert db.session.get(PossibleMatch, task_id).status == "linked"
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "person.match_linked")
        )
    # Linked, each case still shows what it recorded, and the second referrer still sees
    # nothing of the first case.
    assert _get(client, first, first_id).json["victim"]["postcode"] == "E15 1AA"
    body = _get(client, second, second_id)
    assert body.json["victim"]["postcode"] == "N1 9ZZ" and "E15 1AA" not in body.text


def test_the_pages_show_each_case_its_own_details(app, client, api_user, login_as):
    first, second = api_user("referrer"), api_user("referrer")
    first_id = _create(client, first)
    second_id = _create(client, second, postcode="N1 9ZZ", address="2 New Address Street")

    login_as(user_id=second.id)
    page = client.get(f"/referrals/{second_id}")
    assert page.status_code == 200
    assert "N1 9ZZ" in page.text and "New Address Street" in page.text
    assert "E15 1AA" not in page.text and "First Referrer Road" not in page.text
    assert "The screening team checks every referral for earlier referrals" in page.text
    assert client.get(f"/referrals/{first_id}").status_code == 404

    login_as(user_id=first.id)
    page = client.get(f"/referrals/{first_id}")
    assert "E15 1AA" in page.text and "N1 9ZZ" not in page.text


def test_the_screening_team_sees_other_cases_details_labelled_with_where_and_when(
    app, client, api_user, login_as
):
    user = api_user("referrer")
    first_id = _create(client, user)
    second_id = _create(client, user, postcode="N1 9ZZ")  # same referrer: the same person
    with app.app_context():
        assert (
            db.session.get(Referral, first_id).victim_id
            == db.session.get(Referral, second_id).victim_id
        )
    login_as("screener")
    page = client.get(f"/referrals/{second_id}")
    assert "as recorded on other referrals you may see" in page.text
    assert re.search(rf"Recorded on .*R{first_id:06d}.*E15 1AA", page.text, re.S)


def test_a_confirmed_person_from_an_unseen_case_is_refused_like_a_stranger(client, api_user):
    first, second = api_user("referrer"), api_user("referrer")
    first_id = _create(client, first)
    with client.application.app_context():
        person_id = db.session.get(Referral, first_id).victim_id
    payload = referral_payload(victim={**FIRST, "last_name": "Welles"}, victim_person_id=person_id)
    response = client.post("/api/v1/referrals", json=payload, headers=second.headers)
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "victim_person_id"
    assert "E15 1AA" not in response.text


# --------------------------------------------------------------------------- finding 2


def _known_to_someone_else(client, api_user) -> int:
    other = api_user("referrer")
    return _create(
        client,
        other,
        first_name="Amira",
        last_name="Kahn",
        date_of_birth="1991-04-12",
        postcode="E9 7QT",
        address="3 Hidden Close",
    )


def test_the_near_match_page_never_offers_another_referrers_victim(app, client, api_user, login_as):
    hidden_id = _known_to_someone_else(client, api_user)
    login_as("referrer")
    post(client, "/referrals/new/referrer", REFERRER)
    response = post(client, "/referrals/new/victim", VICTIM)  # Amira Khan: a near match
    assert response.headers["Location"] == "/referrals/new/perpetrator"
    page = client.get("/referrals/new/match/victim")
    assert page.status_code == 302  # nothing to offer this user
    for section, data in (("perpetrator", PERPETRATOR), ("dash", dash(2)), ("risk", RISK)):
        post(client, f"/referrals/new/{section}", data)
    check = client.get("/referrals/new/check")
    for secret in ("Kahn", "E9", "Hidden Close"):
        assert secret not in check.text
    location = post(client, "/referrals/new/check", {}).headers["Location"]
    new_id = int(location.rsplit("/", 1)[1])
    shown = client.get(location)
    for secret in ("Kahn", "E9 7QT", "Hidden Close", f"R{hidden_id:06d}"):
        assert secret not in shown.text
    with app.app_context():
        new, hidden = db.session.get(Referral, new_id), db.session.get(Referral, hidden_id)
        assert new.victim_id != hidden.victim_id
        (task,) = db.session.scalars(
            select(PossibleMatch).where(PossibleMatch.referral_id == new_id)
        ).all()
        assert (task.kind, task.person_id) == ("near", hidden.victim_id)
        offered = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "person.match_offered")
        ).all()
        assert offered == []


def test_near_matches_from_the_referrers_own_cases_are_offered_labelled(
    app, client, api_user, login_as
):
    _known_to_someone_else(client, api_user)
    mine = api_user("referrer")
    own_id = _create(
        client, mine, first_name="Amira", last_name="Khann", date_of_birth="1991-04-12"
    )
    login_as(user_id=mine.id)
    post(client, "/referrals/new/referrer", REFERRER)
    response = post(client, "/referrals/new/victim", VICTIM)
    assert response.headers["Location"] == "/referrals/new/match/victim"
    page = client.get("/referrals/new/match/victim")
    assert "Amira Khann" in page.text and f"As recorded on R{own_id:06d}" in page.text
    assert "Kahn" not in page.text and "E9" not in page.text
    assert "The screening team checks every referral" in page.text


def test_only_the_screening_team_may_open_the_tasks(app, client, api_user, login_as):
    _known_to_someone_else(client, api_user)
    user = api_user("referrer")
    new_id = _create(client, user, first_name="Amira", last_name="Khan", date_of_birth="1991-04-12")
    with app.app_context():
        task_id = db.session.scalar(
            select(PossibleMatch.id).where(PossibleMatch.referral_id == new_id)
        )
    login_as("referrer")
    assert client.get("/people/possible-earlier-referrals").status_code == 403
    assert client.get(f"/people/possible-earlier-referrals/{task_id}").status_code == 403
