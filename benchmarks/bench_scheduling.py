"""Scheduling benchmarks on PostgreSQL + the Redis server (a scratch database, never `test`).

Run from the project root (the scratch database is created if missing and its schema reset):

  .venv/bin/python benchmarks/bench_scheduling.py lateness [--actions 300] [--load 20]
  .venv/bin/python benchmarks/bench_scheduling.py sweep [--rows 1000000]

Options: --database postgresql://postgres@127.0.0.1:5432/triage_bench_sched
         --redis redis://127.0.0.1:6379/5

lateness: N due actions (offer reminders, each a notification + an audit event) fall due
  over ~30 s while a background thread keeps enqueueing database-writing jobs; two real
  `python -m workers` processes (with their schedulers) run them. Lateness is done_at - due_at
  as recorded by the job itself: median, p99, max.
sweep: 1M due-action rows (mostly done, some enqueued in the future with live Redis jobs,
  some pending and due); the time of a first sweep (which enqueues the pending ones) and of a
  steady-state sweep, and the query plan of the sweeper's batch query.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from rq import Queue  # noqa: E402
from sqlalchemy import select, text  # noqa: E402

from config import DevelopmentConfig  # noqa: E402
from tests.settings_support import app_settings, enqueue  # noqa: E402
from triage import create_app  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.models import DueAction  # noqa: E402
from triage.redis_conn import get_redis  # noqa: E402
from triage.services import due_action_plan, due_action_queue, due_action_sweep  # noqa: E402

INSTANCE = tempfile.mkdtemp(prefix="triage-bench-sched-")  # dev secret key, nothing else


def _ensure_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if name in ("test", "postgres", "triage"):
        raise SystemExit(f"refusing to reset the database {name!r}: use a scratch database")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def make_app(database: str, redis: str):
    from flask_migrate import upgrade

    _ensure_database(database)
    os.environ["TRIAGE_INSTANCE_PATH"] = INSTANCE
    app = create_app(DevelopmentConfig, DATABASE_URL=database, REDIS_URL=redis)
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        get_redis(app).flushdb()
    return app


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _copy_rows(app, columns: str, rows) -> None:
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cur, cur.copy(f"COPY {columns} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            raw.commit()
        finally:
            raw.close()


def _start_workers(database: str, redis: str, count: int) -> list[subprocess.Popen]:
    env = dict(
        os.environ,
        TRIAGE_ENV="development",
        DATABASE_URL=database,
        REDIS_URL=redis,
        TRIAGE_INSTANCE_PATH=INSTANCE,
    )
    return [
        subprocess.Popen(  # our interpreter, our module
            [sys.executable, "-m", "workers", "deadlines", "default"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def bench_lateness(args) -> None:
    from tests.factories import make_person, make_user

    app = make_app(args.database, args.redis)
    n = args.actions
    with app.app_context():
        make_user(roles=["screener"])
        victim = make_person()
        db.session.commit()
        now = datetime.now(UTC)
        referral_rows = [
            (
                "police",
                "PC Bench",
                victim.id,
                0,
                now,
                "{}",
                "{}",
                "{}",
                "bench",
                3,
                "standard",
                False,
                False,
                "received",
                now + timedelta(days=1),
                now,
                now,
            )
            for _ in range(n)
        ]
    _copy_rows(
        app,
        "referrals (source_agency, referrer_name, victim_id, children_in_household, "
        "received_at, answers, answer_details, assessment, ruleset_version, score, risk_level, "
        "marac, mcic, status, offer_due_at, created_at, updated_at)",
        referral_rows,
    )
    workers = _start_workers(args.database, args.redis, 2)
    time.sleep(4)  # let the workers start
    with app.app_context():
        referral_ids = list(db.session.scalars(text("SELECT id FROM referrals ORDER BY id")))
        start = datetime.now(UTC) + timedelta(seconds=5)
        ids = []
        for i, referral_id in enumerate(referral_ids):
            due = start + timedelta(seconds=30 * i / n)
            row = DueAction(
                kind="offer_reminder",
                referral_id=referral_id,
                due_at=due,
                key=due_action_plan.due_action_key(referral_id, "offer_reminder", due),
                status="pending",
                attempts=0,
            )
            db.session.add(row)
            db.session.flush()
            ids.append(row.id)
        db.session.commit()
        enqueue(ids)

    stop = threading.Event()
    background = {"jobs": 0}

    def load() -> None:  # steady background work that also writes to the database
        queue = Queue("default", connection=get_redis(app))
        while not stop.is_set():
            for _ in range(args.load):
                queue.enqueue("workers.jobs.record_worker_heartbeat", job_timeout=30)
                background["jobs"] += 1
            time.sleep(1)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    deadline = time.monotonic() + 180
    try:
        with app.app_context():
            while time.monotonic() < deadline:
                done = db.session.scalar(
                    text("SELECT count(*) FROM due_actions WHERE status = 'done'")
                )
                db.session.rollback()
                if done == n:
                    break
                time.sleep(1)
            rows = db.session.execute(select(DueAction.due_at, DueAction.done_at)).all()
            keys = list(db.session.scalars(select(DueAction.key)))
            rq_jobs = Queue("deadlines", connection=get_redis(app)).job_class.fetch_many(
                [due_action_queue.job_id_for(k) for k in keys], connection=get_redis(app)
            )
            run_times = [
                (j.ended_at - j.started_at).total_seconds()
                for j in rq_jobs
                if j is not None and j.started_at and j.ended_at
            ]
            retried = db.session.scalar(text("SELECT count(*) FROM due_actions WHERE attempts > 0"))
    finally:
        stop.set()
        loader.join()
        _stop(workers)
    late = [(d - u).total_seconds() for u, d in rows if d is not None]
    finished = [d for _u, d in rows if d is not None]
    span = (max(finished) - min(u for u, _d in rows)).total_seconds()
    print(
        f"lateness: {len(late)}/{n} actions done, 2 workers, background {args.load} jobs/s "
        f"({background['jobs']} enqueued)"
    )
    print(
        f"  median {statistics.median(late):.3f} s   p99 {_pct(late, 0.99):.3f} s   "
        f"max {max(late):.3f} s   min {min(late):.3f} s"
    )
    if run_times:
        print(
            f"  time inside the work horse per action: median "
            f"{statistics.median(run_times):.3f} s, max {max(run_times):.3f} s"
        )
    print(
        f"  {retried} actions needed a retry; deadline throughput "
        f"{len(finished) / span:.1f} actions/s over {span:.0f} s"
    )


def bench_sweep(args) -> None:
    app = make_app(args.database, args.redis)
    total = args.rows
    pending, future = 5_000, 10_000
    done = total - pending - future
    now = datetime.now(UTC)
    print(f"inserting {total:,} due-action rows with COPY ...", flush=True)
    clock = time.perf_counter()

    def rows():
        for i in range(total):
            if i < done:
                due = now - timedelta(minutes=i % 500_000)
                yield ("offer_reminder", None, due, f"b:{i}", "done", 0, due, due)
            elif i < done + future:
                due = now + timedelta(minutes=1 + i % 10_000)
                yield ("offer_escalation", None, due, f"b:{i}", "pending", 0, now, None)
            else:
                due = now - timedelta(seconds=i % 600)
                yield ("offer_reminder", None, due, f"b:{i}", "pending", 0, now, None)

    _copy_rows(
        app,
        "due_actions (kind, referral_id, due_at, key, status, attempts, created_at, done_at)",
        rows(),
    )
    print(f"  inserted in {time.perf_counter() - clock:.1f} s", flush=True)
    with app.app_context():
        db.session.execute(text("ANALYZE due_actions"))
        db.session.commit()
        # The future rows are enqueued ahead of the run, with live Redis jobs (steady state).
        future_ids = list(
            db.session.scalars(
                select(DueAction.id).where(DueAction.status == "pending", DueAction.due_at > now)
            )
        )
        clock = time.perf_counter()
        enqueue(future_ids, now=now)
        print(
            f"  {len(future_ids):,} future actions enqueued in {time.perf_counter() - clock:.1f} s",
            flush=True,
        )
        query = (
            select(DueAction.id, DueAction.key, DueAction.due_at, DueAction.attempts)
            .where(DueAction.status == "pending")
            .order_by(DueAction.due_at, DueAction.id)
            .limit(due_action_sweep.SWEEP_BATCH)
        )
        compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
        plan = db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars()
        print("query plan of one sweeper batch:")
        for line in plan:
            print("   ", line)
        db.session.rollback()
        for label in ("first sweep (enqueues the due ones)", "steady-state sweep"):
            clock = time.perf_counter()
            report = due_action_sweep.sweep(datetime.now(UTC), settings=app_settings())
            db.session.commit()
            took = time.perf_counter() - clock
            print(
                f"{label}: {took:.2f} s  (enqueued {report.enqueued:,}, "
                f"re-enqueued {report.requeued:,}, checked {report.checked:,})"
            )
        redis_client = get_redis(app)
        redis_client.flushdb()
        clock = time.perf_counter()
        report = due_action_sweep.sweep(datetime.now(UTC), settings=app_settings())
        db.session.commit()
        print(
            f"sweep after Redis was flushed: {time.perf_counter() - clock:.2f} s  "
            f"(re-enqueued {report.requeued:,} of {report.checked:,} open)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=["lateness", "sweep"])
    parser.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/triage_bench_sched"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5")
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--load", type=int, default=20, help="background jobs per second")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    {"lateness": bench_lateness, "sweep": bench_sweep}[args.which](args)


if __name__ == "__main__":
    main()
