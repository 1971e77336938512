"""The MARAC meeting page, its print view and CSV, and the case page on a big database:
medians and spread of GET times through the Flask test client, the statement count of each,
and a baseline page (the MARAC meetings list) measured in the same run.

    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/triage_1m \
        .venv/bin/python benchmarks/bench_marac_pages.py

Nothing is kept: everything runs inside one outer transaction that is rolled back at the end
(the bench's accounts, sessions and the pages' audit events included; commits become
savepoints, as in the tests), so it may be pointed at a shared read-only database. The
meeting is the next one to come (it shows every action still open from earlier meetings);
the case is the newest referral of the victim with the most referrals.
"""

from __future__ import annotations

import os
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RUNS = int(os.environ.get("BENCH_RUNS", "9"))


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _signed_in(app, *roles: str):
    from triage.auth.login import SESSION_KEY
    from triage.services import accounts, auth_sessions
    from triage.services.actor import Actor

    user = accounts.create_user(
        email=f"bench-{secrets.token_hex(4)}@example.test", name="Bench reader",
        agency="MARAC", roles=list(roles), password=secrets.token_urlsafe(24),
        actor=Actor.system("bench"), now=_now(),
    )  # fmt: skip
    token, _row = auth_sessions.open_session(user, mfa_passed=True, now=_now())
    client = app.test_client()
    with client.session_transaction() as sess:
        sess[SESSION_KEY] = token
        sess["_user_id"] = str(user.id)
        sess["_fresh"] = True
    return client


def _targets():
    from sqlalchemy import func, select

    from triage.extensions import db
    from triage.models import MaracAction, MaracMeeting, Referral

    meeting = db.session.scalar(
        select(MaracMeeting.id).where(MaracMeeting.starts_at > _now())
        .order_by(MaracMeeting.starts_at).limit(1)
    )  # fmt: skip
    victim = db.session.scalar(
        select(Referral.victim_id).group_by(Referral.victim_id)
        .order_by(func.count().desc()).limit(1)
    )  # fmt: skip
    case = int(os.environ.get("BENCH_CASE", 0)) or db.session.scalar(
        select(func.max(Referral.id)).where(Referral.victim_id == victim)
    )
    history = db.session.scalar(select(func.count()).where(Referral.victim_id == victim))
    open_actions = db.session.scalar(
        select(func.count()).select_from(MaracAction).where(MaracAction.status == "open")
    )
    return meeting, case, history, open_actions


def _time(app, client, path: str) -> tuple[list[float], int]:
    from tests.api.test_query_count import counted

    first = client.get(path)  # warm up
    assert first.status_code == 200, (path, first.status_code, first.text[-1500:])
    with counted(app) as (statements, _dialect):
        client.get(path)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, path
    return times, len(statements)


def main() -> None:
    from config import DevelopmentConfig, database_url_for_sqlalchemy
    from triage import create_app
    from triage.extensions import db

    url = database_url_for_sqlalchemy(os.environ["BENCH_DATABASE_URL"])
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
    app = create_app(
        DevelopmentConfig, DATABASE_URL=url, REDIS_URL=redis_url, SECRET_KEY=secrets.token_hex()
    )
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        outer = connection.begin()  # rolled back below: nothing is kept
        db._app_engines[app][None] = connection
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
        try:
            # One reader with both roles: the coordinator's MARAC pages, the screener's case
            # page (a second signed-in test client here shared the first one's session).
            coordinator = screener = _signed_in(app, "marac_coordinator", "screener")
            db.session.commit()
            meeting, case, history, open_actions = _targets()
            print(f"meeting {meeting}; case {case} (victim with {history} referrals); "
                  f"{open_actions} open actions; {RUNS} runs each")  # fmt: skip
            pages = [
                ("baseline: meetings list", coordinator, "/marac/"),
                ("meeting page", coordinator, f"/marac/meetings/{meeting}"),
                ("agenda print view", coordinator, f"/marac/meetings/{meeting}/print"),
                ("agenda CSV", coordinator, f"/marac/meetings/{meeting}/agenda.csv"),
                ("case page", screener, f"/referrals/{case}"),
            ]
            results = {}
            for _round in range(2):  # alternate, so drift in the machine's load falls on all
                for name, client, path in pages:
                    times, count = _time(app, client, path)
                    results.setdefault(name, ([], count))[0].extend(times)
            base = statistics.median(results["baseline: meetings list"][0])
            print(f"{'page':24} {'median s':>9} {'p10':>7} {'p90':>7} {'x base':>7} {'stmts':>6}")
            for name, (times, count) in results.items():
                cuts = statistics.quantiles(times, n=10)
                median = statistics.median(times)
                print(f"{name:24} {median:9.3f} {cuts[0]:7.3f} {cuts[-1]:7.3f} "
                      f"{median / base:7.1f} {count:6d}")  # fmt: skip
        finally:
            db.session.remove()
            outer.rollback()
            connection.close()


if __name__ == "__main__":
    main()
