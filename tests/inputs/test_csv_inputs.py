"""Through the CSV import: a bad cell (a NUL, bytes that are not UTF-8, control characters,
a date out of range) fails that row only, named by line and column; the good rows are kept."""

from __future__ import annotations

from tests.services.test_importer import csv_bytes, referral_count, row, run
from tests.web.test_import_page import post_file, stored


def rejected_columns(report) -> dict[int, dict[str, str]]:
    return {r.line: {e["column"]: e["message"] for e in r.errors} for r in report.rejected}


def test_a_nul_cell_fails_that_row_only(app_ctx):
    content = csv_bytes(
        row(police_reference="GOOD-1"),
        row(police_reference="NUL-1", victim_last_name="Re\x00id"),
        row(police_reference="GOOD-2", victim_first_name="Sam"),
    )
    report = run(content)
    assert [a.police_reference for a in report.accepted] == ["GOOD-1", "GOOD-2"]
    assert rejected_columns(report) == {
        3: {"victim_last_name": "must not contain control characters"}
    }
    assert referral_count() == 2


def test_a_nul_in_the_police_reference_fails_that_row_only(app_ctx):
    content = csv_bytes(row(police_reference="GOOD-1"), row(police_reference="MPS\x00-2"))
    report = run(content)
    assert [a.police_reference for a in report.accepted] == ["GOOD-1"]
    assert report.rejected[0].line == 3 and report.rejected[0].police_reference == ""
    assert rejected_columns(report)[3]["police_reference"] == "must not contain control characters"


def test_bytes_that_are_not_utf8_fail_that_row_only(app_ctx):
    good = csv_bytes(row(police_reference="GOOD-1"), row(police_reference="BAD-1"))
    content = good.replace(b"Morgan", b"Morg\xe1n", 2).replace(b"Morg\xe1n", b"Morgan", 1)
    report = run(content)
    assert [a.police_reference for a in report.accepted] == ["GOOD-1"]
    assert rejected_columns(report) == {
        3: {"victim_first_name": "is not UTF-8 text: save the file as 'CSV UTF-8'"}
    }


def test_control_characters_and_overrides_are_refused_per_cell(app_ctx):
    content = csv_bytes(
        row(police_reference="CTL-1", victim_first_name="Mor\x07gan"),
        row(police_reference="RTL-1", perpetrator_last_name="\u202eDier"),
        row(police_reference="OK-1", detail="Line one\nline two\tand a tab"),
    )
    report = run(content)
    assert [a.police_reference for a in report.accepted] == ["OK-1"]
    columns = rejected_columns(report)
    assert columns[2] == {
        "victim_first_name": "The victim's first name must not contain control characters"
    }
    assert columns[3] == {
        "perpetrator_last_name": "The perpetrator's last name must not contain right-to-left "
        "or left-to-right override characters"
    }


def test_dates_out_of_range_and_in_the_future_are_cell_errors(app_ctx):
    content = csv_bytes(
        row(police_reference="Y1", received_at="0001-01-01T00:00:00+01:00"),
        row(police_reference="Y9999", received_at="9999-12-31 23:59"),
        row(police_reference="DOB", victim_dob="31/12/1899"),
        row(police_reference="DASH", dash_completed_on="0001-01-01"),
        row(police_reference="FUTURE", received_at="2100-01-01 09:00"),
        row(police_reference="OK"),
    )
    report = run(content)
    assert [a.police_reference for a in report.accepted] == ["OK"]
    columns = rejected_columns(report)
    assert "1900" in columns[2]["received_at"] and "1900" in columns[3]["received_at"]
    assert columns[4]["victim_dob"] == "Date of birth must be between 1900 and 2100"
    assert "1900" in columns[5]["dash_completed_on"]
    assert columns[6]["received_at"] == "Date and time received must not be in the future"


def test_the_page_reports_a_bad_cell_by_line_and_column(app, client, login_as):
    login_as("screener")
    content = csv_bytes(
        row(police_reference="WEB-OK"), row(police_reference="WEB-BAD", victim_last_name="x")
    ).replace(b",x,", b",\xff\x00,")
    response = post_file(client, content)
    assert response.status_code == 200
    assert 'id="count-accepted">1<' in response.text
    assert 'id="count-rejected">1<' in response.text
    assert "victim_last_name" in response.text and "not UTF-8" in response.text
    assert stored(app) == 1
