"""Heavy exports (a financial year over a large database) prepared by an RQ worker.

The request audits the export and enqueues the job after its commit; the worker builds the
same report from the same filters and writes the file under the export folder; the page
shows the job's progress; a periodic job deletes files older than their time to live.
A job's file is for the user who asked for it alone."""

from __future__ import annotations

import os
import re
import secrets
import time
from dataclasses import dataclass

from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job

QUEUE = "default"
JOB_FUNC = "workers.report_jobs.build_export"  # by dotted path: triage never imports workers
_JOB_ID = re.compile(r"^report-[0-9a-f]{32}$")
_FILE = re.compile(r"^report-[0-9a-f]{32}\.(csv|xlsx)$")


@dataclass(frozen=True)
class ExportStatus:
    job_id: str
    name: str
    fmt: str
    state: str  # queued / started / finished / failed
    progress: int
    filename: str | None


def new_job_id() -> str:
    return f"report-{secrets.token_hex(16)}"


def valid_job_id(job_id: str) -> bool:
    return bool(_JOB_ID.match(job_id))


def file_path(directory: str, job_id: str, fmt: str) -> str:
    if not valid_job_id(job_id) or fmt not in ("csv", "xlsx"):
        raise ValueError("not an export file")
    return os.path.join(directory, f"{job_id}.{fmt}")


def enqueue(
    connection: Redis,
    job_id: str,
    *,
    name: str,
    fmt: str,
    params: dict[str, str],
    user_id: int,
    directory: str,
    ttl: int,
) -> None:
    """Queue the job (call after the request's commit). Its record in Redis lives as long as
    the file may, so an expired file is also an unknown job."""
    Queue(QUEUE, connection=connection).enqueue(
        JOB_FUNC,
        args=(name, fmt, params, directory),
        job_id=job_id,
        meta={"user_id": user_id, "name": name, "fmt": fmt, "progress": 0},
        job_timeout=900,
        result_ttl=ttl,
        failure_ttl=ttl,
        ttl=ttl,
    )


def status(connection: Redis, job_id: str, *, user_id: int) -> ExportStatus | None:
    """The job's progress for the user who asked for it; None for anyone else, or unknown."""
    if not valid_job_id(job_id):
        return None
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None
    meta = job.get_meta(refresh=True)
    if meta.get("user_id") != user_id:
        return None
    state = job.get_status(refresh=False)
    state_name = getattr(state, "value", str(state))
    return ExportStatus(
        job_id=job_id,
        name=str(meta.get("name")),
        fmt=str(meta.get("fmt")),
        state=state_name if state_name in ("finished", "failed", "started") else "queued",
        progress=int(meta.get("progress", 0)),
        filename=meta.get("filename"),
    )


def purge_expired(directory: str, *, ttl: int, now: float | None = None) -> int:
    """Delete prepared files older than `ttl` seconds; the count deleted."""
    if not os.path.isdir(directory):
        return 0
    limit = (now if now is not None else time.time()) - ttl
    deleted = 0
    for entry in os.scandir(directory):
        if _FILE.match(entry.name) and entry.is_file() and entry.stat().st_mtime < limit:
            os.remove(entry.path)
            deleted += 1
    return deleted
