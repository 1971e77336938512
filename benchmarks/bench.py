"""`make bench`: every benchmark on a synthetic database, each beside a baseline measured in
the same run on the same machine, printed as one table and written to a JSON file.

    BENCH_SCALE=20000 BENCH_RUNS=3 BENCH_SECONDS=8 .venv/bin/python benchmarks/bench.py

The database is BENCH_DATABASE_URL, else `triage_bench` on the local PostgreSQL server when
it answers, else a SQLite file in instance/bench/ (its schema is dropped first: never point it
at a database that matters). Redis is BENCH_REDIS_URL (default the local server's db 14).
HTTP figures: gunicorn with 2 sync workers on 127.0.0.1, driven by benchmarks/loadgen.py in a
second process for a bounded time; the baseline app (benchmarks/baseline_app.py) runs under
the same gunicorn set-up on the same database. Runs alternate figure and baseline, so drift
in the machine's load falls on both.
"""

from __future__ import annotations

import base64
import json
import os
import platform
import secrets
import socket
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_http import RUNS, SECONDS, THREADS, http_figures  # noqa: E402
from benchmarks.bench_jobs import job_figures  # noqa: E402

SCALE = int(os.environ.get("BENCH_SCALE", "20000"))
IMPORT_ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "500"))
# BENCH_REUSE=1 keeps a database that already holds synthetic referrals (a 1M build takes
# minutes): its schema is upgraded, nothing is rebuilt, and the bench adds its own rows.
REUSE = os.environ.get("BENCH_REUSE") == "1"
# The days the referrals are spread over: 365 by default; 3650 gives 1M referrals a
# pan-London volume (100,000 a year) over ten years, with a realistic morning list.
DAYS = int(os.environ.get("BENCH_DAYS", "365"))


def database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
        return "postgresql://postgres@127.0.0.1:5432/triage_bench"
    except OSError:
        folder = ROOT / "instance" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{folder / 'bench.db'}"


def prepare(url: str, redis_url: str, secret: str):
    """A fresh schema, `SCALE` synthetic referrals, a referrer's token and a screener's and
    a MARAC coordinator's signed-in sessions."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from config import DevelopmentConfig, database_url_for_sqlalchemy
    from triage import create_app
    from triage.extensions import db

    url = database_url_for_sqlalchemy(url)
    if url.startswith("postgresql"):
        import psycopg

        base, _, name = url.replace("+psycopg", "").rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    elif not REUSE:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = create_app(DevelopmentConfig, DATABASE_URL=url, REDIS_URL=redis_url, SECRET_KEY=secret)
    with app.app_context():
        if REUSE and _holds_referrals(db):
            upgrade()
            return (app, url, *_accounts(app), _reused(db), 0.0)
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        started = time.perf_counter()
        from triage.services.synth import build
        from triage.settings import Settings

        settings = Settings.from_config(app.config, app.instance_path)
        report = build(referrals=SCALE, days=DAYS, seed=11, now=_now(), settings=settings)
        db.session.commit()
        synth_seconds = time.perf_counter() - started
        token, cookies, ids = _accounts(app)
    return app, url, token, cookies, ids, report, synth_seconds


def _holds_referrals(db) -> bool:
    from sqlalchemy import inspect, text

    if "referrals" not in inspect(db.engine).get_table_names():
        return False
    held = db.session.execute(text("SELECT 1 FROM referrals LIMIT 1")).first() is not None
    db.session.rollback()  # else the schema drop that follows waits on this read's lock
    return held


def _reused(db):
    """The row counts of a kept database, in the shape of synth's report."""
    from sqlalchemy import func, select

    from triage.services.synth import TABLES, Report

    rows = {t.__tablename__: db.session.scalar(select(func.count()).select_from(t))
            for t in TABLES}  # fmt: skip
    db.session.rollback()
    return Report(rows=rows, head_seq=0)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _accounts(app):
    from sqlalchemy import func, select

    from triage.auth.login import SESSION_KEY
    from triage.extensions import db
    from triage.models import MaracMeeting, Referral
    from triage.services import accounts, auth_sessions
    from triage.services.actor import Actor
    from triage.services.tokens import create_token

    def user(role: str):
        return accounts.create_user(
            email=f"bench-{role}-{secrets.token_hex(4)}@example.test", name=f"Bench {role}",
            agency="S2S",
            roles=[role], password=secrets.token_hex(16), actor=Actor.system("bench"),
            now=_now(),
        )  # fmt: skip

    token = create_token(user("referrer"), "bench")
    cookies = {}
    for role in ("screener", "marac_coordinator", "manager"):
        signed_in = user(role)
        session_token, _row = auth_sessions.open_session(signed_in, mfa_passed=True, now=_now())
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as sess:
            sess[SESSION_KEY] = session_token
            sess["_user_id"] = str(signed_in.id)
            sess["_fresh"] = True
        cookies[role] = client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value
    db.session.commit()
    # The case page of a victim with about 20 earlier referrals (issue 11: "under 50 ms
    # median"), else the one with most; the next MARAC meeting; the morning list's length.
    per_victim = (
        select(Referral.victim_id, func.count().label("n"), func.max(Referral.id).label("last"))
        .group_by(Referral.victim_id)
        .subquery()
    )
    busiest = db.session.execute(
        select(per_victim.c.last, per_victim.c.n)
        .order_by(func.abs(per_victim.c.n - 21), per_victim.c.n.desc())
        .limit(1)
    ).first()
    meeting = db.session.scalar(
        select(MaracMeeting.id).where(MaracMeeting.starts_at > _now()).order_by(
            MaracMeeting.starts_at).limit(1)
    )  # fmt: skip
    waiting = db.session.scalar(
        select(func.count()).select_from(Referral).where(Referral.status == "received")
    )
    return token, cookies, {"referral": busiest.last, "history": busiest.n, "meeting": meeting,
                            "waiting": waiting}  # fmt: skip


class Figures:
    def __init__(self) -> None:
        self.values: dict[str, dict] = {}
        self.failures: dict[str, str] = {}

    def add(self, name: str, unit: str, value: float, baseline_name: str, baseline: float,
            better: str = "higher") -> None:  # fmt: skip
        entry = self.values.setdefault(
            name, {"unit": unit, "runs": [], "baseline": baseline_name, "baseline_runs": [],
                   "better": better},
        )  # fmt: skip
        entry["runs"].append(value)
        entry["baseline_runs"].append(baseline)

    def fail(self, name: str, why: str) -> None:
        self.failures[name] = why

    def table(self) -> str:
        head = (
            f"{'figure':48} {'median':>10} {'spread':>17} {'baseline':>34} {'median':>10} "
            f"{'ratio':>7}"
        )
        lines = [head, "-" * len(head)]
        for name, e in self.values.items():
            m, b = statistics.median(e["runs"]), statistics.median(e["baseline_runs"])
            e["median"], e["baseline_median"] = m, b
            e["ratio"] = (b / m if e["better"] == "higher" else m / b) if m and b else None
            spread = f"{min(e['runs']):.1f}-{max(e['runs']):.1f}"
            ratio = f"{e['ratio']:.1f}x" if e["ratio"] else "-"
            lines.append(
                f"{name + ' (' + e['unit'] + ')':48} {m:>10.1f} {spread:>17} "
                f"{e['baseline']:>34} {b:>10.1f} {ratio:>7}"
            )
        for name, why in self.failures.items():
            lines.append(f"{name:48} NOT MEASURED: {why}")
        lines.append("ratio: how many times slower than the baseline (1.0x = as fast)")
        return "\n".join(lines)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = Path(args[0]) if args else ROOT / "instance" / "bench" / (
        datetime.now(UTC).strftime("bench-%Y%m%dT%H%M%SZ.json"))  # fmt: skip
    out.parent.mkdir(parents=True, exist_ok=True)
    (ROOT / "instance").mkdir(exist_ok=True)
    url = database_url()
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
    secret = secrets.token_urlsafe(48)
    os.environ.setdefault("TRIAGE_INSTANCE_PATH", str(ROOT / "instance" / "bench"))
    app, url, token, cookies, ids, report, synth_seconds = prepare(url, redis_url, secret)
    if "--prepare-only" in sys.argv:
        print(f"prepared {url.rpartition('@')[2]}: {report.rows} in {synth_seconds:.0f} s")
        return
    from config import ProductionConfig

    env = {"TRIAGE_ENV": "production", "DATABASE_URL": url, "REDIS_URL": redis_url,
           "SECRET_KEY": secret, "BENCH_DATABASE_URL": url,
           "TOTP_ENCRYPTION_KEY": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
           # The bench's one token and sessions would meet the per-client limits at once.
           "RATELIMIT_API": "1000000 per minute", "RATELIMIT_API_USER": "1000000 per minute",
           "COOKIE_NAME": ProductionConfig.SESSION_COOKIE_NAME,
           "TRIAGE_INSTANCE_PATH": os.environ["TRIAGE_INSTANCE_PATH"]}  # fmt: skip
    figures = Figures()
    if "--jobs-only" not in sys.argv:  # --jobs-only: the job figures alone (quicker)
        http_figures(figures, env, token, cookies, ids)
    job_figures(figures, app, url, env, RUNS, IMPORT_ROWS)
    machine = (f"{platform.node()}: {os.cpu_count()} CPUs, {platform.platform()}, Python "
               f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"\n{machine}\ndatabase {url.rpartition('@')[2]}, {SCALE:,} synthetic referrals "
          f"(built in {synth_seconds:.1f} s: {report.rows}); {RUNS} runs of {SECONDS:.0f} s, "
          f"{THREADS} client threads, gunicorn 2 sync workers\n")  # fmt: skip
    print(figures.table())
    result = {"machine": machine, "scale": SCALE, "runs": RUNS, "at": _now().isoformat(),
              "figures": figures.values,
              "failures": figures.failures}  # fmt: skip
    out.write_text(json.dumps(result, indent=2))
    print(f"\nresults: {out}")


if __name__ == "__main__":
    main()
