"""The timeliness page, JSON and both files say the same thing; the page and files suppress
small numbers, the JSON is exact; files neutralise formulas and are audited."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from sqlalchemy import select

from tests.reports import fixtures as fx
from tests.reports.support import csv_rows, page_cell, same, section, xlsx_rows
from triage.extensions import db
from triage.models import AuditEvent
from triage.services import tokens
from triage.services.reports import exports
from triage.services.reports.tables import Table

QUERY = {
    "preset": "custom",
    "from": "2026-03-23",
    "to": "2026-04-05",
    "as_of": fx.AS_OF.isoformat(),
}


@pytest.fixture
def world(app, login_as):
    manager = login_as("manager")
    with app.app_context():
        refs = fx.build()
        references = {k: r.reference for k, r in refs.items()}
        victims = {k: r.victim_details.first_name for k, r in refs.items()}
        from triage.models import User

        token = tokens.create_token(db.session.get(User, manager.id), "reports")
        db.session.commit()
    return {"manager": manager, "refs": references, "victims": victims, "token": token}


def test_the_page_shows_suppressed_figures_charts_and_references_only(client, world):
    page = client.get("/reports/timeliness", query_string=QUERY)
    assert page.status_code == 200
    text = page.text
    assert "OFFICIAL-SENSITIVE" in text
    # 7 referrals and 7 due are shown; 2 on time (under 5) is not, nor its percentage.
    summary = re.search(r'id="table-summary".*?</table>', text, re.S).group(0)
    assert ">7<" in summary and "&lt;5" in summary and "28.6" not in summary
    for letter in ("D", "E"):
        assert world["refs"][letter] in text  # the overdue list: references only
    for name in world["victims"].values():
        assert not re.search(rf"\b{name}\b", text)
    assert "PC Example" not in text  # the referrer's name neither
    # Both charts are accessible SVG with a title, a description and a data table.
    for chart_id in ("chart-on-time-by-week", "chart-hours-to-offer"):
        svg = re.search(
            rf'<svg[^>]*aria-labelledby="{chart_id}-title {chart_id}-desc".*?</svg>', text, re.S
        )
        assert svg, chart_id
        assert f'<title id="{chart_id}-title">' in svg.group(0)
        assert f'<desc id="{chart_id}-desc">' in svg.group(0)
    assert 'id="table-by_week"' in text and 'id="table-histogram"' in text


def test_json_is_exact_and_matches_the_hand_computed_figures(client, world):
    response = client.get(
        "/api/v1/reports/timeliness",
        query_string={"from": "2026-03-23", "to": "2026-04-05", "as_of": fx.AS_OF.isoformat()},
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    assert response.status_code == 200, response.text
    body = response.json
    for key, expected in fx.TOTALS.items():
        assert body[key] == expected, key
    assert body["by_source"] == fx.BY_SOURCE
    assert body["by_week"] == fx.BY_WEEK
    for key in ("from", "to", "as_of", "by_risk", "by_mcic"):
        assert key in body


def test_json_refuses_a_bad_range(client, world):
    response = client.get(
        "/api/v1/reports/timeliness",
        query_string={"from": "2026-04-05", "to": "2026-03-23"},
        headers={"Authorization": f"Bearer {world['token']}"},
    )
    assert response.status_code == 422
    assert response.json["errors"][0]["field"] == "to"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_page_and_files_agree_and_files_are_marked_and_audited(client, world, app, fmt):
    response = client.get(f"/reports/timeliness/export/{fmt}", query_string=QUERY)
    assert response.status_code == 200
    assert response.mimetype == exports.FORMATS[fmt].split(";")[0]
    rows = csv_rows(response.data) if fmt == "csv" else xlsx_rows(response.data)
    assert rows[0][0] == "OFFICIAL-SENSITIVE" and rows[-1][0] == "OFFICIAL-SENSITIVE"
    meta = {row[0]: row[1] for row in rows[1:9] if len(row) > 1 and row[0]}
    assert meta["From"] == "2026-03-23" and meta["To"] == "2026-04-05"
    assert meta["Definitions version"] and meta["Generated at"]
    summary = {r[0]: r[1] for r in section(rows, "Summary")}
    assert str(summary["Referrals"]) == "7"
    assert summary["On time"] == "<5" and summary["On time %"] == "<5"
    overdue = [r[0] for r in section(rows, "Overdue now (references only)")]
    assert overdue == [world["refs"]["D"], world["refs"]["E"]]
    # The page shows the same summary cells.
    page = client.get("/reports/timeliness", query_string=QUERY).text
    for label, value in summary.items():
        assert same(value, page_cell(page, label)), label
    with app.app_context():
        event = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "report.export")
            .order_by(AuditEvent.seq.desc())
        )
        assert event.object_id == "timeliness" and event.details["format"] == fmt
        assert event.actor_id == str(world["manager"].id)


def test_exact_files_when_suppression_is_off(client, world, app):
    app.config["REPORT_SUPPRESS_BELOW"] = 1
    try:
        rows = csv_rows(client.get("/reports/timeliness/export/csv", query_string=QUERY).data)
    finally:
        app.config.pop("REPORT_SUPPRESS_BELOW")
    summary = {r[0]: r[1] for r in section(rows, "Summary")}
    assert summary["On time"] == "2" and summary["On time %"] == "28.6"
    assert summary["Median working hours to offer"] == "11.5"


@pytest.mark.parametrize("dangerous", ['=HYPERLINK("x")', "+1", "-2+3", "@SUM(A1)", "\tx"])
def test_formula_cells_are_neutralised_in_both_formats(dangerous):
    from datetime import UTC, datetime

    from triage.services.reports.tables import ReportTables

    tables = ReportTables(
        name="timeliness",
        title="t",
        filters=[("From", dangerous)],
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        tables=[Table("x", "X", ["Group", "n"], [[dangerous, 5]])],
        suppress_below=5,
    )
    csv_cells = [c for row in csv_rows(exports.to_csv(tables)) for c in row]
    assert dangerous not in csv_cells and "'" + dangerous in csv_cells
    sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(tables))).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert "'" + dangerous in values and dangerous not in values
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
