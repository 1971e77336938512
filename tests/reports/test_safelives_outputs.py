"""The SafeLives return page and files agree, suppress small numbers and show no identity."""

from __future__ import annotations

import re

import pytest

from tests.reports import marac_fixtures as mx
from tests.reports.support import file_rows, section
from triage.extensions import db

QUERY = {"quarter": "2026-Q2", "as_of": mx.AS_OF.isoformat()}


@pytest.fixture
def names(app, login_as):
    login_as("manager")
    with app.app_context():
        built = mx.build()
        found = [listing.referral.victim_details.first_name for listing in built["cases"].values()]
        db.session.commit()
    return found


def _page_rows(text: str) -> dict[str, list[str]]:
    table = re.search(r'id="table-return".*?</table>', text, re.S).group(0)
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]:
        cells = [c.strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = [c.replace("&lt;", "<") for c in cells[1:]]
    return rows


def test_the_page_suppresses_and_names_no_one(client, names):
    page = client.get("/reports/safelives", query_string=QUERY)
    assert page.status_code == 200
    rows = _page_rows(page.text)
    assert rows["Cases discussed"] == ["<5", "<5", "<5"]  # 3, 1 and 4
    assert "Victims who are LGBT+: not recorded" in rows
    for name in names:
        assert not re.search(rf"\b{name}\b", page.text)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exact_figures_in_files_and_page_when_suppression_is_off(app, client, names, fmt):
    app.config["REPORT_SUPPRESS_BELOW"] = 1
    try:
        rows = file_rows(
            client.get(f"/reports/safelives/export/{fmt}", query_string=QUERY).data, fmt
        )
        page = _page_rows(client.get("/reports/safelives", query_string=QUERY).text)
    finally:
        app.config.pop("REPORT_SUPPRESS_BELOW")
    assert rows[0][0] == "OFFICIAL-SENSITIVE"
    table = {r[0]: [str(c) for c in r[1:]] for r in section(rows, "SafeLives MARAC return")}
    expected = {
        "Cases discussed": ["3", "1", "4"],
        "Victims aged 16-17": ["1", "0", "1"],
        "Victims aged 16-17: not recorded": ["1", "0", "1"],
        "Perpetrators aged 17 or under": ["1", "0", "1"],
        "Victims who are disabled": ["1", "1", "2"],
        "Victims who are disabled: not recorded": ["1", "0", "1"],
        "Victims who are disabled: prefer not to say": ["1", "0", "1"],
        "Victims who are LGBT+: prefer not to say": ["1", "0", "1"],
    }
    for label, values in expected.items():
        assert table[label] == values, label
        assert page[label] == values, label
    assert table == page
