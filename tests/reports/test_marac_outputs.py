"""The MARAC performance page, JSON and files agree; JSON exact, page and files suppressed."""

from __future__ import annotations

import re

import pytest

from tests.reports import marac_fixtures as mx
from tests.reports.support import bearer, file_rows, page_cell, same, section
from triage.extensions import db
from triage.models import User
from triage.services import tokens

QUERY = {
    "preset": "custom",
    "from": "2026-03-23",
    "to": "2026-04-12",
    "as_of": mx.AS_OF.isoformat(),
}


@pytest.fixture
def world(app, login_as):
    manager = login_as("manager")
    with app.app_context():
        built = mx.build()
        names = [listing.referral.victim_details.first_name for listing in built["cases"].values()]
        token = tokens.create_token(db.session.get(User, manager.id), "reports")
        db.session.commit()
    return {"token": token, "names": names}


def test_json_is_exact(client, world):
    response = client.get(
        "/api/v1/reports/marac",
        query_string={k: QUERY[k] for k in ("from", "to", "as_of")},
        headers=bearer(world["token"]),
    )
    assert response.status_code == 200, response.text
    body = response.json
    assert body["meetings"] == mx.MEETINGS
    for key, expected in mx.MARAC.items():
        assert body[key] == expected, key


def test_page_suppresses_and_shows_no_identity(client, world):
    page = client.get("/reports/marac", query_string=QUERY)
    assert page.status_code == 200
    summary = re.search(r'id="table-summary".*?</table>', page.text, re.S).group(0)
    assert re.search(r"Cases heard</th>\s*<td[^>]*>6<", summary)
    assert re.search(r"Repeat cases</th>\s*<td[^>]*>&lt;5<", summary)
    assert re.search(r"Repeat rate %</th>\s*<td[^>]*>&lt;5<", summary)
    assert re.search(r"National repeat rate % \(comparison\)</th>\s*<td[^>]*>31.0<", summary)
    assert (
        'aria-labelledby="chart-cases-per-meeting-title chart-cases-per-meeting-desc"' in page.text
    )
    assert 'id="table-meetings"' in page.text
    for name in world["names"]:
        assert not re.search(rf"\b{name}\b", page.text)
    assert "R0" not in page.text  # not even references: MARAC figures are aggregates


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_files_agree_with_the_page(client, world, fmt):
    rows = file_rows(client.get(f"/reports/marac/export/{fmt}", query_string=QUERY).data, fmt)
    assert rows[0][0] == "OFFICIAL-SENSITIVE"
    summary = {r[0]: r[1] for r in section(rows, "Summary")}
    page = client.get("/reports/marac", query_string=QUERY).text
    for label, value in summary.items():
        assert same(value, page_cell(page, label)), label
    meetings = section(rows, "Cases heard per meeting")
    assert [str(r[0]) for r in meetings] == ["2026-03-26", "2026-04-02", "2026-04-09"]
    assert all(str(r[1]) == "<5" for r in meetings)
