"""Heavy exports: the request audits and enqueues after its commit, a worker prepares the
file with a progress record, only the requester can fetch it, and old files are deleted."""

from __future__ import annotations

import os
import re
import time

from rq import Queue, SimpleWorker
from sqlalchemy import select

from tests.reports import fixtures as fx
from triage.extensions import db
from triage.models import AuditEvent
from triage.services.reports import export_jobs
from workers import report_jobs
from workers.schedule import PERIODIC_JOBS

FORM = {"preset": "custom", "from": "2026-03-23", "to": "2026-04-05", "as_of": fx.AS_OF.isoformat()}


def _csrf(client) -> str:
    page = client.get("/account")
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)


def test_a_long_range_offers_a_prepared_file(app, client, login_as):
    login_as("manager")
    page = client.get(
        "/reports/timeliness",
        query_string={"preset": "custom", "from": "2025-04-01", "to": "2026-03-31"},
    )
    assert page.status_code == 200
    assert 'action="/reports/timeliness/export-job"' in page.text
    assert "/reports/timeliness/export/csv" not in page.text


def test_job_prepares_the_file_for_its_requester_only(
    app, client, login_as, redis_client, tmp_path
):
    app.config["REPORT_EXPORT_DIR"] = str(tmp_path)
    try:
        login_as("manager")
        with app.app_context():
            fx.build()
            db.session.commit()
        response = client.post(
            "/reports/timeliness/export-job",
            data={**FORM, "fmt": "csv", "csrf_token": _csrf(client)},
        )
        assert response.status_code == 302
        status_url = response.headers["Location"]
        job_id = status_url.rsplit("/", 1)[1]
        assert export_jobs.valid_job_id(job_id)
        waiting = client.get(status_url)
        assert waiting.status_code == 200 and "<progress" in waiting.text
        assert 'http-equiv="refresh"' in waiting.text
        with app.app_context():
            event = db.session.scalar(
                select(AuditEvent)
                .where(AuditEvent.action == "report.export")
                .order_by(AuditEvent.seq.desc())
            )
            assert event.details["via"] == "job" and event.details["format"] == "csv"
            SimpleWorker([Queue("default", connection=redis_client)], connection=redis_client).work(
                burst=True
            )
        done = client.get(status_url)
        assert "Your file is ready" in done.text
        file = client.get(f"{status_url}/file")
        assert file.status_code == 200
        body = file.data.decode("utf-8-sig")
        assert body.startswith("OFFICIAL-SENSITIVE") and "Overdue now (references only)" in body
        # Someone else, even a manager, cannot see the job or its file.
        login_as("manager")
        assert client.get(status_url).status_code == 404
        assert client.get(f"{status_url}/file").status_code == 404
    finally:
        app.config.pop("REPORT_EXPORT_DIR")


def test_old_files_are_deleted_by_the_periodic_job(app_ctx, tmp_path):
    app_ctx.config["REPORT_EXPORT_DIR"] = str(tmp_path)
    app_ctx.config["REPORT_EXPORT_TTL"] = 60
    try:
        old = tmp_path / f"{export_jobs.new_job_id()}.xlsx"
        new = tmp_path / f"{export_jobs.new_job_id()}.csv"
        other = tmp_path / "keep-me.txt"
        for path in (old, new, other):
            path.write_bytes(b"x")
        os.utime(old, (time.time() - 120, time.time() - 120))
        os.utime(other, (time.time() - 120, time.time() - 120))
        assert report_jobs.purge_expired_exports() == {"deleted": 1}
        assert not old.exists() and new.exists() and other.exists()
    finally:
        app_ctx.config.pop("REPORT_EXPORT_DIR")
        app_ctx.config.pop("REPORT_EXPORT_TTL")
    assert "purge-report-exports" in {job.id for job in PERIODIC_JOBS}
