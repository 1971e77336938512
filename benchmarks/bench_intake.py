"""Intake throughput: referrals POSTed to /api/v1/referrals through the real app on PostgreSQL.

Run from the project root (PostgreSQL and Redis servers running):

    .venv/bin/python benchmarks/bench_intake.py [--n 200] [--runs 5] [--gunicorn 2]

It (re)creates a scratch database (default `triage_bench`: its `public` schema is dropped
first, so never point it at a database that matters), migrates it with
`flask_migrate.upgrade()`, creates a referrer and an API token, then POSTs `n` varied,
valid referrals per run and prints the median requests per second over the runs:

- through the WSGI test client in this process (the whole Flask stack: bearer-token
  check, schema check, intake with person matching and repeat look-up, assessment, audit
  chain append, due-action planning, commit, Redis enqueue);
- with `--gunicorn W`, also over HTTP to a gunicorn process with W sync workers on
  localhost, from W client threads with keep-alive connections;
- with `--baseline S`, side by side over HTTP (gunicorn, 2 sync workers each, 4 keep-alive
  client threads from `benchmarks/loadgen.py`, S seconds a run): the minimal insert route
  (`benchmarks/baseline_app.py`: parse the JSON, insert one row, commit) and the intake,
  alternated run by run (A B A B), then each paced at half the intake's rate for p95 latency;
  prints medians, spread and the intake's ratio to the baseline measured in the same run;
- with `--import-rows R`, also a CSV of R police notifications through the bulk import
  service (one savepoint per row, one commit), then the same file again (all duplicates).

Every request must answer 201; anything else stops the benchmark. The API's rate limits
are raised for the benchmark's own gunicorn processes (they are still checked on each call).
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.settings_support import app_settings, enqueue  # noqa: E402

FIRST = ["Amira", "Bea", "Cara", "Dana", "Eve", "Fay", "Gina", "Hana", "Isla", "Jo", "Kim", "Lee"]
LAST = ["Khan", "Smith", "Jones", "Patel", "Brown", "Taylor", "Wilson", "Evans", "Ahmed", "Reid"]
NEEDS = ["drugs", "alcohol", "mental_health", "housing", "nrpf", "aged_60_plus"]


def payload(rng: random.Random, serial: int, now: datetime) -> dict:
    received = now - timedelta(minutes=rng.randrange(60 * 24 * 30))
    lean = rng.betavariate(2, 4)
    asked = rng.choice([24, 24, 24, 20, 12])
    dash = {}
    for number in range(1, asked + 1):
        roll = rng.random()
        dash[str(number)] = "yes" if roll < lean else "dont_know" if roll > 0.97 else "no"
    judged = rng.random() < 0.05
    return {
        "source_agency": "police" if rng.random() < 0.9 else "health",
        "referrer_name": "PC Bench",
        "police_reference": f"BENCH-{serial:08d}-{secrets.token_hex(3)}",
        "received_at": received.isoformat(),
        "victim": {
            # A serial in the surname keeps people distinct, as in real traffic.
            "first_name": rng.choice(FIRST),
            "last_name": f"{rng.choice(LAST)}{chr(65 + serial % 26)}{serial}",
            "date_of_birth": f"{rng.randrange(1950, 2005)}-{rng.randrange(1, 13):02d}-"
            f"{rng.randrange(1, 29):02d}",
            "postcode": "E15 1AA",
            "gender": "female",
        },
        "perpetrator": {"first_name": rng.choice(FIRST), "last_name": f"Perp{serial}"},
        "children_in_household": rng.choice([0, 0, 1, 2, 3]),
        "dash": dash,
        "dash_completed_by": "PC Bench",
        "dash_completed_on": received.date().isoformat(),
        "police_callouts_12m": rng.choice([0, 0, 0, 1, 2, 3, 4]),
        "professional_judgement": judged,
        "professional_judgement_reason": "Escalating threats" if judged else "",
        "victim_needs": rng.sample(NEEDS, rng.choice([0, 0, 1, 2])),
        "perpetrator_management": rng.sample(["iom", "mappa", "probation"], rng.choice([0, 0, 1])),
        "consent_basis": "consent",
    }


def prepare(database_url: str, redis_url: str):
    import psycopg
    from flask_migrate import upgrade
    from sqlalchemy import text

    from config import DevelopmentConfig
    from triage import create_app
    from triage.extensions import db

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(
        base.replace("postgresql+psycopg", "postgresql") + "/postgres", autocommit=True
    ) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    secret = secrets.token_urlsafe(48)
    app = create_app(
        DevelopmentConfig, DATABASE_URL=database_url, REDIS_URL=redis_url, SECRET_KEY=secret
    )
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        from triage.services import accounts
        from triage.services.actor import Actor
        from triage.services.tokens import create_token
        from triage.timeutil import utcnow

        user = accounts.create_user(
            email="bench-referrer@example.test",
            name="Bench Referrer",
            agency="Police",
            roles=["referrer"],
            password=secrets.token_hex(16),
            actor=Actor.system("bench"),
            now=utcnow(),
        )
        token = create_token(user, "bench")
        db.session.commit()
    return app, token, secret


def csv_for(bodies: list[dict]) -> bytes:
    """The same referrals as a police CSV in the documented layout (docs/import.md)."""
    import csv
    import io

    letters = {"yes": "Y", "no": "N", "dont_know": "DK", "not_asked": "NA"}
    rows = []
    for body in bodies:
        victim = body["victim"]
        row = {
            "police_reference": body["police_reference"],
            "received_at": body["received_at"],
            "referrer_name": body["referrer_name"],
            "victim_first_name": victim["first_name"],
            "victim_last_name": victim["last_name"],
            "victim_dob": victim["date_of_birth"],
            "victim_postcode": victim["postcode"],
            "consent_basis": body["consent_basis"],
            "dash_completed_by": body["dash_completed_by"],
            "dash_completed_on": body["dash_completed_on"],
            "police_callouts_12m": str(body["police_callouts_12m"]),
            "victim_needs": ";".join(body["victim_needs"]),
            "perpetrator_management": ";".join(body["perpetrator_management"]),
        }
        row.update({f"dash_{n}": letters[a] for n, a in body["dash"].items()})
        rows.append(row)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(dict.fromkeys(k for r in rows for k in r)))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def run_import(app, content: bytes) -> tuple[dict, float]:
    from triage.extensions import db
    from triage.services import importer
    from triage.services.actor import Actor

    with app.app_context():
        start = time.perf_counter()
        report = importer.import_referrals(
            content, actor=Actor.system("bench"), now=datetime.now(UTC), settings=app_settings()
        )
        db.session.commit()
        enqueue(report.due_action_ids)
        return report.counts(), time.perf_counter() - start


CPU_MS: list[float] = []  # this process's CPU per referral, each test-client run


def run_test_client(app, token: str, bodies: list[dict]) -> float:
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    start, cpu = time.perf_counter(), time.process_time()
    for body in bodies:
        response = client.post("/api/v1/referrals", json=body, headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"unexpected {response.status_code}: {response.get_data(True)}")
    CPU_MS.append(1000 * (time.process_time() - cpu) / len(bodies))
    return len(bodies) / (time.perf_counter() - start)


def run_http(port: int, token: str, bodies: list[dict], threads: int) -> float:
    chunks = [bodies[i::threads] for i in range(threads)]
    failures: list[str] = []

    def work(chunk: list[dict]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        for body in chunk:
            conn.request("POST", "/api/v1/referrals", json.dumps(body), headers)
            response = conn.getresponse()
            data = response.read()
            if response.status != 201:
                failures.append(f"{response.status}: {data[:300]!r}")
                return
        conn.close()

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if failures:
        raise SystemExit("HTTP run failed: " + failures[0])
    return len(bodies) / elapsed


# The per-token limits (120 a minute) would refuse a benchmark; they are still evaluated.
UNLIMITED = {"RATELIMIT_API": "1000000 per minute", "RATELIMIT_API_USER": "1000000 per minute"}


def start_gunicorn(
    workers: int, database_url: str, redis_url: str, secret: str, target: str = "wsgi:app"
):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "TRIAGE_ENV": "production",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secret,
        "TRIAGE_INSTANCE_PATH": str(ROOT / "instance" / "bench"),
        "BENCH_DATABASE_URL": database_url,
        # production refuses to start without one; nothing here uses MFA
        "TOTP_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        **UNLIMITED,
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/openapi.json" if target == "wsgi:app" else "/table")
            if conn.getresponse().status == 200:
                return process, port
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit("gunicorn did not start")


def test_client_figures(app, token: str, batch, runs: int, n: int) -> None:
    run_test_client(app, token, batch()[: max(1, n // 10)])  # warm-up
    CPU_MS.clear()
    rates = [run_test_client(app, token, batch()) for _ in range(runs)]
    print(
        "test client (1 process): "
        f"median {statistics.median(rates):.1f} referrals/s "
        f"(runs: {', '.join(f'{r:.1f}' for r in rates)}); "
        f"median {1000 / statistics.median(rates):.1f} ms per referral; CPU of this process "
        f"median {statistics.median(CPU_MS):.1f} ms per referral "
        f"(runs: {', '.join(f'{c:.1f}' for c in CPU_MS)})"
    )


def loadgen(port: int, path: str, bodies: list[dict], seconds: float, token: str = "",
            rate: float = 0.0) -> dict:  # fmt: skip
    """One `benchmarks/loadgen.py` run (4 threads, keep-alive): its JSON line."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(bodies, handle)
    command = [sys.executable, str(ROOT / "benchmarks/loadgen.py"), "--port", str(port),
               "--path", path, "--method", "POST", "--body-file", handle.name,
               "--threads", "4", "--seconds", str(seconds), "--expect", "201"]  # fmt: skip
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    if rate:
        command += ["--rate", f"{rate:.2f}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120)
    finally:
        os.unlink(handle.name)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["errors"]:
        raise SystemExit(f"{path}: {result['errors']} errors, e.g. {result['first_error']}")
    return result


def side_by_side(args, database_url: str, token: str, secret: str, batch) -> None:
    """The minimal insert and the intake, A B A B, then p95 at half the intake's rate."""
    base, base_port = start_gunicorn(2, database_url, args.redis_url, secret,
                                     "benchmarks.baseline_app:app")  # fmt: skip
    try:
        full, full_port = start_gunicorn(2, database_url, args.redis_url, secret)
    except BaseException:
        base.terminate()
        raise
    per_run = int(args.baseline * 400)  # more bodies than either can use in a run
    runs: dict[str, list[float]] = {k: [] for k in ("base", "full", "base_p95", "full_p95")}
    try:
        loadgen(base_port, "/insert", batch(200), 2)  # warm-up: imports, connections, caches
        loadgen(full_port, "/api/v1/referrals", batch(200), 2, token)
        for _ in range(args.runs):
            runs["base"].append(loadgen(base_port, "/insert", batch(per_run), args.baseline)["rps"])
            rps = loadgen(full_port, "/api/v1/referrals", batch(per_run), args.baseline, token)
            runs["full"].append(rps["rps"])
            half = rps["rps"] / 2
            paced = loadgen(base_port, "/insert", batch(per_run), args.baseline, rate=half)
            runs["base_p95"].append(paced["p95_ms"])
            paced = loadgen(full_port, "/api/v1/referrals", batch(per_run), args.baseline,
                            token, rate=half)  # fmt: skip
            runs["full_p95"].append(paced["p95_ms"])
    finally:
        for process in (base, full):
            process.terminate()
            process.wait(timeout=30)

    def show(key: str) -> str:
        values = runs[key]
        spread = ", ".join(f"{v:.1f}" for v in values)
        return f"median {statistics.median(values):.1f} (runs: {spread})"

    ratio = statistics.median(runs["base"]) / statistics.median(runs["full"])
    print(f"side by side, gunicorn 2 sync workers each, 4 client threads, "
          f"{args.baseline:g} s runs, load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    print(f"  minimal insert + commit: {show('base')} POST/s")
    print(f"  intake POST /api/v1/referrals: {show('full')} POST/s; baseline/intake {ratio:.1f}x")
    print(f"  p95 at half the intake's rate: minimal insert {show('base_p95')} ms; "
          f"intake {show('full_p95')} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="referrals POSTed per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/triage_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument(
        "--gunicorn",
        type=int,
        default=0,
        metavar="W",
        help="also benchmark over HTTP with W gunicorn workers",
    )
    parser.add_argument(
        "--baseline",
        type=float,
        default=0,
        metavar="S",
        help="also run the minimal insert and the intake side by side over HTTP, S s a run",
    )
    parser.add_argument(
        "--skip-test-client", action="store_true", help="skip the in-process test client runs"
    )
    parser.add_argument(
        "--import-rows",
        type=int,
        default=0,
        metavar="R",
        help="also time a CSV import of R rows, and its re-import",
    )
    args = parser.parse_args()

    from config import database_url_for_sqlalchemy

    database_url = database_url_for_sqlalchemy(args.database_url)
    os.environ.setdefault("TRIAGE_INSTANCE_PATH", str(ROOT / "instance" / "bench"))
    os.environ.update(UNLIMITED)  # read by the app factory (config.py)
    app, token, secret = prepare(database_url, args.redis_url)
    rng = random.Random(args.seed)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    serial = 0

    def batch(count: int = 0) -> list[dict]:
        nonlocal serial
        bodies = []
        for _ in range(count or args.n):
            serial += 1
            bodies.append(payload(rng, serial, now))
        return bodies

    load = os.getloadavg()[0]
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load:.2f}")
    print(
        f"database {args.database_url.rpartition('/')[2]}, {args.n} POSTs per run, {args.runs} runs"
    )
    if args.baseline:
        side_by_side(args, database_url, token, secret, batch)
    if not args.skip_test_client:
        test_client_figures(app, token, batch, args.runs, args.n)
    if args.gunicorn:
        process, port = start_gunicorn(args.gunicorn, database_url, args.redis_url, secret)
        try:
            run_http(port, token, batch()[: max(1, args.n // 10)], args.gunicorn)
            rates = [run_http(port, token, batch(), args.gunicorn) for _ in range(args.runs)]
        finally:
            process.terminate()
            process.wait(timeout=30)
        print(
            f"gunicorn ({args.gunicorn} sync workers, {args.gunicorn} client threads, HTTP): "
            f"median {statistics.median(rates):.1f} referrals/s "
            f"(runs: {', '.join(f'{r:.1f}' for r in rates)})"
        )

    if args.import_rows:
        saved, args.n = args.n, args.import_rows
        content = csv_for(batch())
        args.n = saved
        for label in ("import", "re-import"):
            counts, seconds = run_import(app, content)
            print(
                f"CSV {label} of {args.import_rows} rows: {seconds:.1f} s "
                f"({args.import_rows / seconds:.1f} rows/s); {counts}"
            )


if __name__ == "__main__":
    main()
