"""Report benchmarks: a year of generated data, each report's median time beside the same
headline figures computed by raw SQL in the same run (and checked equal).

Run from the project root (a scratch database; its schema is reset):

  .venv/bin/python benchmarks/bench_reports.py sqlite [--referrals 50000] [--runs 5]
  .venv/bin/python benchmarks/bench_reports.py postgresql \
      [--database postgresql://postgres@127.0.0.1:5432/triage_bench_reports]

The data is generated here for now (another issue brings a 1M-referral generator): referrals
spread over the financial year 2025-26, most with an offer (some late, some attempts first),
weekly MARAC meetings with ~7 cases each. The aim (issue 10): <= 300 ms for a year on
PostgreSQL, within 1.5x of the raw SQL.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select, text  # noqa: E402

from config import DevelopmentConfig  # noqa: E402
from triage import create_app  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.models import MaracListing, MaracMeeting, Offer, Person, Referral  # noqa: E402
from triage.services.reports.definitions import DateRange, ReportSettings  # noqa: E402
from triage.services.reports.marac_performance import marac_report  # noqa: E402
from triage.services.reports.timeliness import timeliness_report  # noqa: E402
from triage.workdays import default_calendar  # noqa: E402

YEAR = DateRange(date(2025, 4, 1), date(2026, 3, 31))
AS_OF = datetime(2026, 4, 10, 12, 0, tzinfo=UTC)
SOURCES = ("police", "police", "police", "health", "housing", "childrens_social_care")
RISKS = ("high", "medium", "standard")
CAL = default_calendar()


def _app(url: str):
    instance = tempfile.mkdtemp(prefix="triage-bench-reports-")
    os.environ["TRIAGE_INSTANCE_PATH"] = instance
    return create_app(
        DevelopmentConfig,
        DATABASE_URL=url,
        REDIS_URL=None,
        EMBEDDED_REDIS_DIR=os.path.join(instance, "redis"),
    )


def _reset(app) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


def _generate(n: int, seed: int = 10) -> None:
    rng = random.Random(seed)
    start = datetime(2025, 4, 1, tzinfo=UTC)
    span = (datetime(2026, 4, 1, tzinfo=UTC) - start).total_seconds()
    db.session.execute(
        insert(Person),
        [{"first_name": "P", "last_name": str(i), "match_name": f"p {i}"} for i in range(1000)],
    )
    person_ids = [r[0] for r in db.session.execute(text("SELECT id FROM persons"))]
    referrals = []
    for _ in range(n):
        received = start + timedelta(seconds=rng.random() * span)
        referrals.append(
            {
                "source_agency": rng.choice(SOURCES),
                "referrer_name": "x",
                "victim_id": rng.choice(person_ids),
                "children_in_household": rng.randint(0, 3),
                "received_at": received,
                "ruleset_version": "bench",
                "score": 10,
                "risk_level": rng.choice(RISKS),
                "marac": False,
                "mcic": rng.random() < 0.1,
                "status": "offer_made",
                "offer_due_at": CAL.offer_due(received),
            }
        )
    for chunk in range(0, n, 5000):
        db.session.execute(insert(Referral), referrals[chunk : chunk + 5000])
    rows = db.session.execute(
        select(Referral.id, Referral.received_at, Referral.offer_due_at)
    ).all()
    offers = []
    for rid, received, due in rows:
        if rng.random() < 0.2:  # an attempt first
            offers.append(
                _offer(rid, received, received + timedelta(hours=rng.random() * 20), "no_contact")
            )
        if rng.random() < 0.95:
            made = received + timedelta(hours=rng.expovariate(1 / 30))
            offers.append(
                _offer(
                    rid,
                    received,
                    made,
                    rng.choice(("accepted", "declined")),
                    late="not_contactable" if made > due else None,
                )
            )
    for chunk in range(0, len(offers), 5000):
        db.session.execute(insert(Offer), offers[chunk : chunk + 5000])
    _meetings(rng, [r[0] for r in rows])
    db.session.commit()


def _offer(rid, received, made, outcome, late=None) -> dict:
    return {
        "referral_id": rid,
        "made_at": made,
        "method": "phone",
        "outcome": outcome,
        "late_reason": late,
        "working_hours": CAL.working_hours_between(received, made),
    }


def _meetings(rng, referral_ids) -> None:
    day = date(2025, 4, 3)
    rids = iter(rng.sample(referral_ids, min(len(referral_ids), 60 * 8)))
    while day <= YEAR.end:
        starts = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
        meeting_id = db.session.execute(
            insert(MaracMeeting)
            .values(
                starts_at=starts, cutoff_at=starts - timedelta(days=7), capacity=25, status="held"
            )
            .returning(MaracMeeting.id)
        ).scalar_one()
        listings = []
        for _ in range(7):
            rid = next(rids, None)
            if rid is None:
                break
            repeat = rng.random() < 0.25
            listings.append(
                {
                    "meeting_id": meeting_id,
                    "referral_id": rid,
                    "status": "heard",
                    "criteria": ["visible_high_risk"] + (["repeat"] if repeat else []),
                    "is_repeat": repeat,
                    "has_children": False,
                }
            )
        if listings:
            db.session.execute(insert(MaracListing), listings)
        day += timedelta(days=7)


RAW = {
    "postgresql": """
        WITH r AS (
          SELECT r.id, r.offer_due_at,
                 (SELECT o.made_at FROM offers o WHERE o.referral_id = r.id
                   AND o.outcome IN ('accepted','declined') AND o.made_at <= :as_of
                   ORDER BY o.made_at, o.id LIMIT 1) AS offer_at,
                 (SELECT o.working_hours FROM offers o WHERE o.referral_id = r.id
                   AND o.outcome IN ('accepted','declined') AND o.made_at <= :as_of
                   ORDER BY o.made_at, o.id LIMIT 1) AS hours
          FROM referrals r WHERE r.received_at >= :lo AND r.received_at < :hi)
        SELECT count(*), count(offer_at), sum(CASE WHEN offer_at <= offer_due_at THEN 1 ELSE 0 END),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY hours)
        FROM r""",
    "sqlite": """
        WITH r AS (
          SELECT r.id, r.offer_due_at,
                 (SELECT o.made_at FROM offers o WHERE o.referral_id = r.id
                   AND o.outcome IN ('accepted','declined') AND o.made_at <= :as_of
                   ORDER BY o.made_at, o.id LIMIT 1) AS offer_at,
                 (SELECT o.working_hours FROM offers o WHERE o.referral_id = r.id
                   AND o.outcome IN ('accepted','declined') AND o.made_at <= :as_of
                   ORDER BY o.made_at, o.id LIMIT 1) AS hours
          FROM referrals r WHERE r.received_at >= :lo AND r.received_at < :hi),
        v AS (SELECT hours, row_number() OVER (ORDER BY hours) - 1 AS k,
                     count(*) OVER () AS n FROM r WHERE hours IS NOT NULL)
        SELECT (SELECT count(*) FROM r), (SELECT count(offer_at) FROM r),
               (SELECT sum(CASE WHEN offer_at <= offer_due_at THEN 1 ELSE 0 END) FROM r),
               (SELECT sum(CASE WHEN k = CAST((n - 1) * 0.5 AS INTEGER)
                                THEN hours * (1 - ((n - 1) * 0.5 - CAST((n - 1) * 0.5 AS INTEGER)))
                                ELSE 0 END)
                     + sum(CASE WHEN k = CAST((n - 1) * 0.5 AS INTEGER) + 1
                                THEN hours * ((n - 1) * 0.5 - CAST((n - 1) * 0.5 AS INTEGER))
                                ELSE 0 END) FROM v)""",
}


MARAC_RAW = """
    SELECT count(*), sum(CASE WHEN l.is_repeat THEN 1 ELSE 0 END)
    FROM marac_listings l JOIN marac_meetings m ON m.id = l.meeting_id
    WHERE m.starts_at >= :lo AND m.starts_at < :hi AND m.starts_at <= :as_of
      AND m.status <> 'cancelled' AND l.status IN ('listed', 'heard')"""


def _bind(value: datetime, dialect: str):
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def _median_ms(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
        db.session.rollback()
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("backend", choices=("sqlite", "postgresql"))
    parser.add_argument(
        "--database", default="postgresql://postgres@127.0.0.1:5432/triage_bench_reports"
    )
    parser.add_argument("--referrals", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if args.backend == "sqlite":
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    else:
        url = args.database
        if url.rsplit("/", 1)[1] in ("test", "postgres", "triage"):
            raise SystemExit("use a scratch database")
        _create_pg_database(url)
    app = _app(url)
    _reset(app)
    settings = ReportSettings(calendar=CAL)
    with app.app_context():
        t0 = time.perf_counter()
        _generate(args.referrals)
        print(f"generated {args.referrals} referrals in {time.perf_counter() - t0:.1f} s")
        dialect = db.engine.dialect.name
        if dialect == "postgresql":
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        lo, hi = YEAR.instants(CAL)
        ms, report = _median_ms(
            lambda: timeliness_report(db.session, YEAR, as_of=AS_OF, settings=settings), args.runs
        )
        binds = {"lo": _bind(lo, dialect), "hi": _bind(hi, dialect), "as_of": _bind(AS_OF, dialect)}
        raw_ms, raw = _median_ms(
            lambda: db.session.execute(text(RAW[dialect]), binds).one(), args.runs
        )
        t = report.totals
        ours = (t.referrals, t.offers_made, t.on_time, t.median_hours)
        theirs = (
            raw[0],
            raw[1],
            int(raw[2] or 0),
            round(raw[3], 2) if raw[3] is not None else None,
        )
        print(
            f"timeliness ({dialect}, a year): {ms:.0f} ms (all breakdowns, 2 statements); "
            f"raw SQL headline: {raw_ms:.0f} ms; ratio {ms / raw_ms:.2f}"
        )
        print(
            f"  figures  report {ours}\n           raw    {theirs}  "
            f"{'equal' if ours == theirs else 'DIFFERENT'}"
        )
        ms, marac = _median_ms(
            lambda: marac_report(db.session, YEAR, as_of=AS_OF, settings=settings), args.runs
        )
        raw_ms, raw = _median_ms(
            lambda: db.session.execute(
                text(MARAC_RAW),
                binds,
            ).one(),
            args.runs,
        )
        same = (marac.totals["cases"], marac.totals["repeats"]) == (raw[0], int(raw[1] or 0))
        print(
            f"marac ({dialect}, a year): {ms:.0f} ms; raw SQL cases/repeats: {raw_ms:.0f} ms; "
            f"ratio {ms / raw_ms:.2f}; figures {'equal' if same else 'DIFFERENT'}"
        )


def _create_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
