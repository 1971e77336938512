"""The job figures of `make bench` (benchmarks/bench.py), each beside a baseline measured in
the same run: a real RQ worker running the due-action job beside a bare no-op job, scheduled
due actions' lateness beside the RQ scheduler's own for a bare scheduled job, the sweeper
beside a count, the CSV import beside an executemany, verify-audit beside hashing.

The no-op jobs live here, not in workers/: `python -m workers` imports them by dotted path
(its working directory is the project root).
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JOBS = int(os.environ.get("BENCH_JOBS", "300"))  # per throughput run
SCHEDULED = int(os.environ.get("BENCH_SCHEDULED", "20"))  # per lateness run, over SPREAD s
# verify-audit walks the whole chain: at 1M referrals (about 6M events) once is minutes.
VERIFY_RUNS = int(os.environ.get("BENCH_VERIFY_RUNS", "0"))  # 0: every run
SPREAD = 20  # seconds: about one job a second each, below what a worker can do (no backlog)
NOOP = "benchmarks.bench_jobs.noop"
NOOP_LATE = "benchmarks.bench_jobs.noop_lateness"


def noop() -> None:
    """The bare job: what RQ itself costs (dequeue, run, record the result)."""


def noop_lateness(due: float) -> float:
    """A bare scheduled job: seconds between its due time and its start."""
    return time.time() - due


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _due_rows(referral_ids: list[int], due: list[datetime], tag: str) -> list[int]:
    """Offer-reminder due actions (a notification and an audit event each when run) on
    existing referrals, under keys of their own."""
    from triage.extensions import db
    from triage.models import DueAction

    rows = [
        DueAction(kind="offer_reminder", referral_id=rid, due_at=at, status="enqueued",
                  key=f"{rid}:offer_reminder:bench-{tag}-{n}", attempts=0, created_at=_now())
        for n, (rid, at) in enumerate(zip(referral_ids, due, strict=True))
    ]  # fmt: skip
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


def _referral_ids(count: int) -> list[int]:
    from sqlalchemy import select

    from triage.extensions import db
    from triage.models import Referral

    ids = list(db.session.scalars(select(Referral.id).order_by(Referral.id.desc()).limit(count)))
    db.session.rollback()
    return (ids * (count // max(len(ids), 1) + 1))[:count]


def _burst(queue) -> float:
    """Run the queue empty with a real RQ worker in this process (burst); seconds taken."""
    from rq import SimpleWorker

    worker = SimpleWorker([queue], connection=queue.connection)
    started = time.perf_counter()
    worker.work(burst=True, logging_level="WARNING")
    return time.perf_counter() - started


def throughput(figures, redis, run: int) -> None:
    """Jobs/s: the due-action job beside a no-op job, through the same burst worker."""
    from rq import Queue

    from triage.services.due_action_queue import JOB_TIMEOUT, RUN_JOB

    noop_queue = Queue(f"bench-noop-{run}", connection=redis)
    noop_queue.enqueue_many([Queue.prepare_data(NOOP, result_ttl=60) for _ in range(JOBS)])
    bare = JOBS / _burst(noop_queue)
    ids = _due_rows(_referral_ids(JOBS), [_now()] * JOBS, f"run{run}-{time.time_ns()}")
    due_queue = Queue(f"bench-due-{run}", connection=redis)
    due_queue.enqueue_many([Queue.prepare_data(RUN_JOB, args=(i,), timeout=JOB_TIMEOUT,
                                               result_ttl=60) for i in ids])  # fmt: skip
    real = JOBS / _burst(due_queue)
    figures.add("due-action job, RQ worker", "jobs/s", real, "no-op job, same worker", bare)


def lateness(figures, redis, env: dict, run: int) -> None:
    """Scheduled due actions falling due during the run, run by `python -m workers` (its
    scheduler moves them to the queue, a work horse runs each): median and p95 of done_at -
    due_at, beside bare no-op jobs scheduled for the same instants on a second, identical
    worker (start - due at: what the scheduler and the fork cost before any job code)."""
    from rq import Queue
    from sqlalchemy import select

    from triage.extensions import db
    from triage.models import DueAction
    from triage.services.due_action_queue import JOB_TIMEOUT, RUN_JOB

    names = [f"bench-late-due-{run}", f"bench-late-noop-{run}"]
    # Development mode with the bench's database and Redis (production wants every secret).
    worker_env = {**os.environ, **env, "TRIAGE_ENV": "development"}
    log = open(Path(env["TRIAGE_INSTANCE_PATH"]) / f"worker-lateness-{run}.log", "wb")  # noqa: SIM115
    workers = [subprocess.Popen([sys.executable, "-m", "workers", name], cwd=ROOT,
                                env=worker_env, stdout=log, stderr=subprocess.STDOUT)
               for name in names]  # fmt: skip
    try:
        time.sleep(8)  # the workers start and take their queues' scheduler locks
        start = _now() + timedelta(seconds=4)
        instants = [start + timedelta(seconds=SPREAD * i / SCHEDULED) for i in range(SCHEDULED)]
        whole = [at.replace(microsecond=0) for at in instants]  # RQ keeps whole seconds
        ids = _due_rows(_referral_ids(SCHEDULED), whole, f"late{run}-{time.time_ns()}")
        due_queue, noop_queue = (Queue(name, connection=redis) for name in names)
        jobs = []
        for row_id, at in zip(ids, whole, strict=True):
            due_queue.enqueue_at(at, RUN_JOB, row_id, job_timeout=JOB_TIMEOUT, result_ttl=600)
            jobs.append(noop_queue.enqueue_at(at, NOOP_LATE, at.timestamp(), result_ttl=600))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            rows = db.session.execute(
                select(DueAction.due_at, DueAction.done_at).where(DueAction.id.in_(ids))
            ).all()
            db.session.rollback()
            bare = [job.return_value() for job in jobs]
            if all(r.done_at for r in rows) and all(b is not None for b in bare):
                break
            time.sleep(1)
        else:
            raise TimeoutError("the scheduled jobs did not all run within 2 minutes")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
        log.close()
    late = [(r.done_at - r.due_at).total_seconds() for r in rows]
    for name, q in (("median", 0.5), ("p95", 0.95)):
        figures.add(f"scheduled due action lateness {name}", "s", _pct(late, q),
                    "scheduled no-op job", _pct(bare, q), better="lower")  # fmt: skip


def verify_audit(figures, events: int, payloads: list[bytes]) -> None:
    from triage.extensions import db
    from triage.services import audit

    started = time.perf_counter()
    report = audit.verify_stored_chain()
    verify = report.events / (time.perf_counter() - started)
    db.session.rollback()
    assert report.ok, report
    started, head = time.perf_counter(), audit.GENESIS_HASH
    for n in range(report.events):
        head = hashlib.sha256(head.encode() + payloads[n % len(payloads)]).hexdigest()
    hashing = report.events / (time.perf_counter() - started)
    figures.add(f"verify-audit ({events:,} events)", "events/s", verify,
                "sha256 of the same bytes", hashing)  # fmt: skip


def sweeper(figures, settings, due: int) -> None:
    from sqlalchemy import func, select

    from triage.extensions import db
    from triage.models import DueAction
    from triage.services import due_action_sweep

    started = time.perf_counter()
    due_action_sweep.sweep(_now(), settings=settings)
    sweep = time.perf_counter() - started
    db.session.rollback()
    started = time.perf_counter()
    db.session.scalar(select(func.count()).select_from(DueAction).where(
        DueAction.status.in_(("pending", "enqueued"))))  # fmt: skip
    scan = time.perf_counter() - started
    db.session.rollback()
    figures.add(f"sweeper ({due:,} due actions)", "s", sweep, "count of open rows", scan,
                better="lower")  # fmt: skip


def csv_import(figures, settings, engine, rows: int, rng: random.Random, serial: list[int]):
    from sqlalchemy import insert

    from benchmarks.baseline_app import rows as baseline_rows
    from benchmarks.bench_intake import csv_for, payload
    from triage.extensions import db
    from triage.services import importer
    from triage.services.actor import Actor

    bodies = [payload(rng, serial[0] + i, _now() - timedelta(minutes=5)) for i in range(rows)]
    serial[0] += rows
    content = csv_for(bodies)
    started = time.perf_counter()
    report = importer.import_referrals(content, actor=Actor.system("bench"), now=_now(),
                                       settings=settings, limited=False)  # fmt: skip
    db.session.commit()
    rate = rows / (time.perf_counter() - started)
    assert report.counts()["accepted"] == rows and report.path == "bulk", report.counts()
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(baseline_rows), [{"reference": b["police_reference"], "body": b,
                                              "created_at": _now()} for b in bodies])  # fmt: skip
    raw = rows / (time.perf_counter() - started)
    figures.add(f"CSV import ({rows:,} rows)", "rows/s", rate, "executemany of the same rows",
                raw)  # fmt: skip


def job_figures(figures, app, url: str, env: dict, runs: int, import_rows: int) -> None:
    """Every job figure, `runs` times, alternating figure and baseline."""
    from sqlalchemy import create_engine, func, select

    from benchmarks.baseline_app import metadata
    from triage.extensions import db
    from triage.models import AuditEvent, DueAction
    from triage.redis_conn import get_redis
    from triage.services import audit
    from triage.settings import Settings

    rng, serial = random.Random(9), [10_000_000 + time.time_ns() % 10_000_000]
    engine = create_engine(url)
    metadata.create_all(engine)
    with app.app_context():
        settings = Settings.from_config(app.config, app.instance_path)
        redis = get_redis(app)
        events = db.session.scalar(select(func.count()).select_from(AuditEvent))
        sample = select(AuditEvent).order_by(AuditEvent.seq).limit(50_000)
        payloads = [audit.canonical_payload(e).encode() for e in db.session.scalars(sample)]
        due = db.session.scalar(select(func.count()).select_from(DueAction))
        db.session.rollback()
        for run in range(runs):
            for name, step in (
                ("verify-audit", lambda: verify_audit(figures, events, payloads)),
                ("sweeper", lambda: sweeper(figures, settings, due)),
                (
                    "CSV import",
                    lambda: csv_import(figures, settings, engine, import_rows, rng, serial),
                ),
                ("jobs", lambda run=run: throughput(figures, redis, run)),
                ("lateness", lambda run=run: lateness(figures, redis, env, run)),
            ):
                if name == "verify-audit" and VERIFY_RUNS and run >= VERIFY_RUNS:
                    continue
                try:
                    step()
                except Exception as exc:  # reported in the table as NOT MEASURED, not lost
                    db.session.rollback()
                    figures.fail(name, f"{type(exc).__name__}: {str(exc)[:120]}")
    engine.dispose()
