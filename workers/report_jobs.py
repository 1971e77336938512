"""RQ entry points for heavy report exports (triage.services.reports.export_jobs).

Read-only: the figures come from SQL as on the page; the export was audited by the request
that asked for it. Safe to run twice (the same file is written again)."""

from __future__ import annotations

import os

from rq import get_current_job

from triage.extensions import db
from triage.reports.settings import export_dir, export_ttl, report_settings
from triage.services.reports import catalogue, export_jobs, exports
from triage.timeutil import utcnow
from workers.context import in_app_context


@in_app_context
def build_export(name: str, fmt: str, params: dict[str, str], directory: str) -> dict:
    job = get_current_job()

    def progress(pct: int) -> None:
        if job is not None:
            job.meta["progress"] = min(int(pct * 0.9), 90)  # the last tenth is the file
            job.save_meta()

    try:
        _report, tables = catalogue.build(
            name, db.session, params, settings=report_settings(), now=utcnow(), progress=progress
        )
        body = exports.render(tables, fmt)
    finally:
        db.session.rollback()  # nothing to keep: the job only reads
    job_id = job.id if job is not None else export_jobs.new_job_id()
    os.makedirs(directory, mode=0o700, exist_ok=True)
    path = export_jobs.file_path(directory, job_id, fmt)
    with open(path, "wb") as handle:
        handle.write(body)
    if job is not None:
        job.meta.update(progress=100, filename=exports.filename(tables, fmt))
        job.save_meta()
    return {"bytes": len(body)}


@in_app_context
def purge_expired_exports() -> dict:
    """Periodic: delete prepared report files past their time to live."""
    return {"deleted": export_jobs.purge_expired(export_dir(), ttl=export_ttl())}
