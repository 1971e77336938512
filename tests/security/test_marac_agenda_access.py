"""Access matrix for the MARAC agenda-for-agencies and after-meeting routes: each role x
(a case they may open, one they may not, an unknown id) -> the status it must get."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.marac_agenda_support import build
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import MaracListing

UNKNOWN = 987_654_321
# role -> status for (own case, someone else's case, unknown id); "own" is the IDVA's.
LISTING_PAGE = {
    "marac_coordinator": (200, 200, 404),
    "screener": (200, 200, 404),
    "s2s_lead": (200, 200, 404),
    "idva": (200, 404, 404),
    "referrer": (403, 403, 403),
    "manager": (403, 403, 403),
    "admin": (403, 403, 403),
}
COORDINATOR_ONLY = {
    role: ((200,) if role == "marac_coordinator" else (403,)) for role in LISTING_PAGE
}


def _world(app, idva_id):
    with app.app_context():
        data = build(referrer_id=idva_id)
        listings = {
            row.referral_id: row.id
            for row in db.session.scalars(
                select(MaracListing).where(MaracListing.meeting_id == data.target_id)
            )
        }
        db.session.commit()
    return data, listings[data.adult_1], listings[data.child_1]


@pytest.mark.parametrize("role", sorted(LISTING_PAGE))
def test_marac_agenda_routes_by_role_and_case(app, client, login_as, role):
    owner = login_as("idva")
    data, own, other = _world(app, owner.id)
    if role == "idva":
        login_as(user_id=owner.id)
    else:
        login_as(role)
    token = csrf_token(client, "/account")
    meeting = data.target_id
    for path in (f"/marac/meetings/{meeting}/print", f"/marac/meetings/{meeting}/agenda.csv"):
        assert client.get(path).status_code in COORDINATOR_ONLY[role], (role, path)
    expected = LISTING_PAGE[role]
    for listing_id, status in zip((own, other, UNKNOWN), expected, strict=True):
        got = client.get(f"/marac/listings/{listing_id}").status_code
        assert got == status, (role, listing_id, got)
        # Feedback: the same per-case rule (302 back to the page when allowed).
        posted = client.post(f"/marac/listings/{listing_id}/feedback", data={"csrf_token": token})
        assert posted.status_code == (302 if status == 200 else status), (role, "feedback")
        outcome = client.post(
            f"/marac/listings/{listing_id}/outcome",
            data={"outcome": "withdrawn", "csrf_token": token},
        )
        if role != "marac_coordinator":
            assert outcome.status_code == 403, (role, "outcome")
        else:
            # Not yet held: refused as a field error on the page, never stored.
            assert outcome.status_code == (400 if listing_id != UNKNOWN else 404)
    minutes = client.post(f"/marac/meetings/{meeting}/minutes-sent", data={"csrf_token": token})
    assert minutes.status_code == (302 if role == "marac_coordinator" else 403)
