"""Mass assignment is impossible: forms and API schemas list their fields, and nothing in the
product copies a request wholesale onto a model. No account exists unless someone makes it."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select

from tests.intake_support import referral_data
from tests.security.support import build_world
from tests.web.test_sign_in import csrf_token
from triage import PROJECT_ROOT
from triage.extensions import db
from triage.models import Referral, User

WHOLESALE = re.compile(
    r"populate_obj\(|\*\*request\.|request\.form\.to_dict\(|setattr\([^)]*request"
)


def test_no_code_copies_a_request_onto_a_model():
    offenders = []
    for path in Path(PROJECT_ROOT, "triage").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if WHOLESALE.search(line):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_api_refuses_fields_it_does_not_list(app, client, login_as):
    world = build_world(app, "idva", login_as)
    body = referral_data(yes=3)
    body["received_at"] = body["received_at"].isoformat()
    body["dash_completed_on"] = body["dash_completed_on"].isoformat()
    for role in ("victim", "perpetrator"):
        body[role]["date_of_birth"] = body[role]["date_of_birth"].isoformat()
    body["dash"] = {str(k): v for k, v in body["dash"].items()}
    for extra in (
        {"referrer_id": world.other_user_id},
        {"assigned_idva_id": world.user_id},
        {"status": "closed"},
        {"score": 24},
        {"risk_level": "standard"},
    ):
        with app.app_context():
            before = db.session.scalar(select(func.count(Referral.id)))
        response = client.post(
            "/api/v1/referrals",
            json={**body, **extra},
            headers={"Authorization": f"Bearer {world.token}"},
        )
        assert response.status_code in (400, 422), (extra, response.status_code)
        assert next(iter(extra)) in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.scalar(select(func.count(Referral.id))) == before


def test_forms_ignore_fields_they_do_not_list(app, client, login_as):
    """An extra `roles`/`active` on the password form, or `is_admin` on account creation,
    changes nothing about the account."""
    me = login_as("referrer")
    client.post(
        "/account/password",
        data={
            "current_password": "wrong-password-entirely",
            "new_password": "x",
            "confirm_password": "x",
            "roles": "admin",
            "active": "0",
            "csrf_token": csrf_token(client, "/account/password"),
        },
    )
    with app.app_context():
        user = db.session.get(User, me.id)
        assert user.roles == {"referrer"} and user.active


def test_no_account_exists_until_someone_makes_one(app):
    """The schema (built by the migrations) holds no default account; demo users come only
    from `triage seed-demo`, which production refuses (tests/security/test_sessions.py)."""
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 0
