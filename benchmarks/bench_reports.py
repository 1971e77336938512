"""Report benchmarks: each manager report's time (median and spread over several runs)
beside the same figures computed by raw SQL (benchmarks/report_baselines.py) in the same run,
alternating the two so that the machine's drift falls on both, and the figures checked equal.

Run from the project root:

  # a scratch SQLite file (or --database-url): its schema is reset, `triage synth` fills it
  .venv/bin/python benchmarks/bench_reports.py [--referrals 20000] [--runs 7]
  # an existing synthetic database, read as it is (never written unless --api)
  .venv/bin/python benchmarks/bench_reports.py --reuse \\
      --database-url postgresql://postgres@127.0.0.1:5432/triage_1m_reports [--api] [--explain]

Ranges are the presets as of today (London): this financial year, last quarter, last month
(timeliness), this financial year (MARAC performance), last quarter (SafeLives return);
`as_of` is now. `--api` also times GET /api/v1/reports/timeliness for the financial year
through the test client (it writes a manager, a token and one audit event per call: use a
copy). `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of every statement a report runs
(PostgreSQL). The aim (issue 11): <= 300 ms at 1M referrals, within 1.5x of the raw SQL.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event, text  # noqa: E402

from benchmarks import report_baselines as raw  # noqa: E402
from config import DevelopmentConfig  # noqa: E402
from triage import create_app  # noqa: E402
from triage.extensions import db  # noqa: E402
from triage.services.reports.definitions import (  # noqa: E402
    DateRange,
    ReportSettings,
    preset_range,
    quarter_label,
)
from triage.services.reports.marac_performance import marac_report  # noqa: E402
from triage.services.reports.safelives_return import safelives_return  # noqa: E402
from triage.services.reports.timeliness import timeliness_report  # noqa: E402


def _app(url: str):
    instance = tempfile.mkdtemp(prefix="triage-bench-reports-")
    os.environ["TRIAGE_INSTANCE_PATH"] = instance
    return create_app(
        DevelopmentConfig,
        DATABASE_URL=url,
        REDIS_URL=None,
        EMBEDDED_REDIS_DIR=os.path.join(instance, "redis"),
    )


def _build(app, referrals: int, now: datetime) -> None:
    """A fresh schema filled by the synthetic generator (a year before `now`)."""
    from flask_migrate import upgrade

    from triage.services.synth import build
    from triage.settings import Settings

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        t0 = time.perf_counter()
        build(
            referrals=referrals,
            days=365,
            seed=11,
            now=now,
            settings=Settings.from_config(app.config, app.instance_path),
        )
        db.session.commit()
        print(f"built {referrals:,} synthetic referrals in {time.perf_counter() - t0:.0f} s")


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    elapsed = (time.perf_counter() - t0) * 1000
    db.session.rollback()
    return elapsed, result


def _pair(name, ours, theirs, runs: int, same: Callable[[object, object], bool]) -> None:
    """Alternate report and baseline `runs` times (one warm-up each), print the medians."""
    _timed(ours), _timed(theirs)
    a, b = [], []
    for _ in range(runs):
        ms, mine = _timed(ours)
        a.append(ms)
        ms, base = _timed(theirs)
        b.append(ms)
    verdict = "equal" if same(mine, base) else "DIFFERENT"
    print(
        f"{name:<34} {statistics.median(a):8.0f} ms ({min(a):.0f}-{max(a):.0f})"
        f"   raw {statistics.median(b):7.0f} ms ({min(b):.0f}-{max(b):.0f})"
        f"   ratio {statistics.median(a) / statistics.median(b):5.2f}   figures {verdict}"
    )


def _timeliness_figures(report) -> dict[str, tuple]:
    def row(f):
        counts = (f.referrals, f.due, f.offers_made, f.on_time, f.first_attempt_on_time)
        return (*counts, f.overdue_now, f.median_hours, f.p90_hours)

    found = {"everything|all": row(report.totals)}
    for dim, groups in report.breakdowns.items():
        found |= {f"{dim}|{g}": row(f) for g, f in groups.items() if f.referrals}
    return found


def _same_timeliness(report, baseline) -> bool:
    """Counts exactly; hours to the hundredth, give or take one (the two sides interpolate
    in different floating-point order, so a value on a half-hundredth may round either way:
    seen at 1M referrals, 4.64 against 4.63)."""
    mine = _timeliness_figures(report)
    if mine.keys() != baseline.keys():
        return False
    for key, row in mine.items():
        other = baseline[key]
        if row[:6] != other[:6]:
            return False
        for a, b in zip(row[6:], other[6:], strict=True):
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 0.011):
                return False
    return True


def _same_meetings(report, rows) -> bool:
    """Every meeting's sums, and the criteria mix (summed over the meetings)."""
    keys = ("cases", "repeats", "children", "households_with_children", "mcic", "not_police")
    mine = [tuple(getattr(m, k) for k in keys) for m in report.meetings]
    theirs = [tuple(int(n or 0) for n in r[2:8]) for r in rows]
    criteria = [sum(int(r[8 + i] or 0) for r in rows) for i in range(len(report.criteria))]
    return mine == theirs and list(report.criteria.values()) == criteria


def _same_return(report, rows) -> bool:
    """Every figure of every meeting, in report_baselines.SAFELIVES's column order."""
    mine = []
    for r in report.rows:
        row = [r.values[k] for k in ("cases", "repeats", "children", "not_police")]
        for key in ("racially_minoritised", "lgbt", "disabled"):
            row += [r.values[key], r.not_recorded[key], r.prefer_not_to_say[key]]
        for key in ("male", "aged_16_17", "perpetrator_under_18"):
            row += [r.values[key], r.not_recorded[key]]
        mine.append(tuple(row))
    return mine == [tuple(int(n or 0) for n in r[1:]) for r in rows]


def _api_client(app):
    """A manager with an API token (written to the database under test)."""
    from triage.services import accounts
    from triage.services.actor import Actor
    from triage.services.tokens import create_token

    manager = accounts.create_user(
        email=f"bench-manager-{secrets.token_hex(4)}@example.test", name="Bench manager",
        agency="S2S", roles=["manager"], password=secrets.token_hex(16),
        actor=Actor.system("bench"), now=datetime.now(UTC),
    )  # fmt: skip
    token = create_token(manager, "bench-reports")
    db.session.commit()
    return app.test_client(), {"Authorization": f"Bearer {token}"}


def _explain(label: str, fn: Callable[[], object]) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each statement `fn` runs, its top and its scans."""
    seen: list[tuple[str, object]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _many):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            seen.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
        db.session.rollback()
    raw_conn = engine.raw_connection()
    try:
        for i, (statement, parameters) in enumerate(seen, 1):
            with raw_conn.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [r[0] for r in cursor.fetchall()]
            keys = ("Scan", "Sort", "Aggregate", "Execution Time", "Buffers: shared")
            print(f"-- {label}, statement {i}: " + plan[0].strip()[:110])
            for line in plan[1:]:
                if any(k in line for k in keys):
                    print("   " + line.rstrip()[:150])
    finally:
        raw_conn.rollback()
        raw_conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a scratch SQLite file")
    parser.add_argument("--reuse", action="store_true", help="read an existing database")
    parser.add_argument("--referrals", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--api", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    url = args.database_url or "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    if not args.reuse and url.rsplit("/", 1)[1] in ("test", "postgres", "triage", "triage_1m"):
        raise SystemExit("without --reuse the schema is reset: use a scratch database")
    now = datetime.now(UTC).replace(microsecond=0)
    app = _app(url)
    if not args.reuse:
        _build(app, args.referrals, now)
    from triage.services.calendar import current_calendar
    from triage.settings import Settings

    with app.app_context():
        configured = Settings.from_config(app.config, app.instance_path)
        settings = ReportSettings(calendar=current_calendar(configured.calendar))
        cal = settings.calendar
        today = cal.local_date(now)
        held = db.session.scalar(text("SELECT count(*) FROM referrals"))
        print(f"{db.engine.dialect.name}, {held:,} referrals, as of {now:%Y-%m-%d %H:%M} UTC, "
              f"{args.runs} runs each (report | raw SQL, alternating)")  # fmt: skip
        for preset in ("this_financial_year", "last_quarter", "last_month"):
            period = preset_range(preset, today)
            _pair(
                f"timeliness {preset} ({period.days} d)",
                lambda p=period: timeliness_report(db.session, p, as_of=now, settings=settings),
                lambda p=period: raw.timeliness(db.session, p, now, cal),
                args.runs,
                _same_timeliness,
            )
        year = preset_range("this_financial_year", today)
        quarter = preset_range("last_quarter", today)
        _pair(
            "MARAC performance (financial year)",
            lambda: marac_report(db.session, year, as_of=now, settings=settings),
            lambda: raw.meetings(db.session, raw.MARAC, year, now, cal),
            args.runs,
            _same_meetings,
        )
        _pair(
            f"SafeLives return {quarter_label(quarter)}",
            lambda: safelives_return(
                db.session, quarter, quarter_label(quarter), as_of=now, settings=settings
            ),
            lambda: raw.safelives(db.session, quarter, now, cal),
            args.runs,
            _same_return,
        )
        if args.api:
            _api(app, year, now, cal, args.runs)
        if args.explain and db.engine.dialect.name == "postgresql":
            _explain_all(year, quarter, now, settings)


def _api(app, year: DateRange, now: datetime, cal, runs: int) -> None:
    client, headers = _api_client(app)
    query = {"from": year.start.isoformat(), "to": year.end.isoformat(), "as_of": now.isoformat()}

    def call():
        response = client.get("/api/v1/reports/timeliness", query_string=query, headers=headers)
        assert response.status_code == 200, response.status_code
        return response.get_json()

    def same(body, baseline) -> bool:
        return (body["referrals"], body["offers_made"]) == baseline["everything|all"][0:3:2]

    _pair(
        "API /api/v1/reports/timeliness (year)",
        call,
        lambda: raw.timeliness(db.session, year, now, cal),
        runs,
        same,
    )


def _explain_all(year, quarter, now, settings) -> None:
    _explain("timeliness, financial year",
             lambda: timeliness_report(db.session, year, as_of=now, settings=settings))  # fmt: skip
    _explain("MARAC performance, financial year",
             lambda: marac_report(db.session, year, as_of=now, settings=settings))  # fmt: skip
    _explain("SafeLives return, last quarter",
             lambda: safelives_return(db.session, quarter, quarter_label(quarter), as_of=now,
                                      settings=settings))  # fmt: skip


if __name__ == "__main__":
    main()
