"""The screener's import page: upload, report of accepted/rejected/duplicate rows."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from tests.services.test_importer import csv_bytes, row
from tests.web.test_sign_in import csrf_token
from triage.extensions import db
from triage.models import Referral


def post_file(client, content: bytes, name: str = "notifications.csv"):
    token = csrf_token(client, "/imports")
    return client.post(
        "/imports",
        data={"csv_file": (io.BytesIO(content), name), "csrf_token": token},
        content_type="multipart/form-data",
    )


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Referral))


def test_only_screeners_import(client, login_as):
    login_as("referrer")
    assert client.get("/imports").status_code == 403


def test_page_documents_the_layout(client, login_as):
    login_as("screener")
    page = client.get("/imports")
    assert page.status_code == 200
    assert "police_reference" in page.text and "dash_24" in page.text


def test_upload_shows_the_report_and_reimport_creates_nothing(app, client, login_as):
    login_as("screener")
    content = csv_bytes(
        row(police_reference="WEB-1"),
        row(police_reference="WEB-2", victim_dob="1985-13-01", dash_7="perhaps"),
        row(police_reference="WEB-3", victim_first_name="Robin"),
    )
    response = post_file(client, content)
    assert response.status_code == 200
    assert response.request.path == "/imports"  # the report is in the page, not the URL
    text = response.text
    assert 'id="count-accepted">2<' in text and 'id="count-rejected">1<' in text
    assert "victim_dob" in text and "dash_7" in text and "WEB-2" in text
    assert "Morgan" not in text  # no names in the report
    assert stored(app) == 2

    again = post_file(client, content)
    assert 'id="count-accepted">0<' in again.text and 'id="count-duplicates">2<' in again.text
    assert stored(app) == 2


def test_bad_file_is_refused_with_a_clear_error(app, client, login_as):
    login_as("screener")
    # A header that is not UTF-8 fails the file (a bad cell in a row fails only that row).
    response = post_file(client, "a,caf\xe9\n\xff\xfe".encode("latin-1"))
    assert response.status_code == 400
    assert "There is a problem" in response.text
    assert "not UTF-8" in response.text
    missing = client.post("/imports", data={"csrf_token": csrf_token(client, "/imports")})
    assert missing.status_code == 400 and "Choose a CSV file" in missing.text
    assert stored(app) == 0
