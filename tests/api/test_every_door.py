"""Done when: the same facts entered through the web form, the API or a CSV row give the
same stored assessment (and the one `assess()` gives)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.api.conftest import referral_payload
from tests.services.test_importer import csv_bytes, row
from tests.web.test_intake_form import fill_all, post
from triage.extensions import db
from triage.models import PersonDetails, Referral
from triage.rules import assess
from triage.services.referral_summary import facts_for

YES = 15
NEEDS = ["alcohol", "mental_health"]  # the form helper's risk section: 1 call-out, no judgement


def stored_assessment(app, last_name: str) -> dict:
    with app.app_context():
        referral = db.session.scalar(
            select(Referral)
            .join(PersonDetails, PersonDetails.referral_id == Referral.id)
            .where(PersonDetails.role == "victim", PersonDetails.last_name == last_name)
        )
        assert assess(facts_for(referral)).to_dict() == referral.assessment
        return referral.assessment


def test_form_api_and_csv_store_the_same_assessment(app, client, login_as, api_user):
    # The web form (its own helpers: victim Amira Khan, 15 yes of 24, 1 call-out).
    login_as("idva")
    fill_all(client, yes=YES)
    assert post(client, "/referrals/new/check", {}).status_code == 302
    from_form = stored_assessment(app, "Khan")

    # The API.
    user = api_user("idva")
    dash = {str(n): ("yes" if n <= YES else "no") for n in range(1, 25)}
    payload = referral_payload(
        dash=dash,
        police_callouts_12m=1,
        victim_needs=NEEDS,
        victim={"first_name": "Robin", "last_name": "Apiperson", "date_of_birth": "1980-01-01"},
        perpetrator=None,
    )
    assert client.post("/api/v1/referrals", json=payload, headers=user.headers).status_code == 201
    from_api = stored_assessment(app, "Apiperson")

    # A CSV row, uploaded by a screener.
    login_as("screener")
    received = (datetime.now(UTC) - timedelta(hours=3)).replace(microsecond=0)
    cells = row(
        police_reference="DOOR-1",
        received_at=received.isoformat(),
        dash_completed_on=received.date().isoformat(),
        victim_first_name="Sasha",
        victim_last_name="Csvperson",
        perpetrator_first_name="",
        perpetrator_last_name="",
        police_callouts_12m="1",
        victim_needs=";".join(NEEDS),
        **{f"dash_{n}": ("Y" if n <= YES else "N") for n in range(1, 25)},
    )
    page = client.get("/imports")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/imports",
        data={"csv_file": (io.BytesIO(csv_bytes(cells)), "one.csv"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert 'id="count-accepted">1<' in response.text, response.text[:3000]
    from_csv = stored_assessment(app, "Csvperson")

    assert from_form == from_api == from_csv
    assert from_form["risk_level"] == "high"
    assert from_form["marac_criteria"] == ["visible_high_risk"]
    assert from_form["mcic"] is True
