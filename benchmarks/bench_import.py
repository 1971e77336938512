"""CSV import rows/s: the bulk path, the row-at-a-time path and a bare executemany of the
same rows, measured in turn in the same run (medians and spread over --runs).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_import.py --rows 500 --runs 3 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/bench_import_jobs

The database's schema is dropped and rebuilt first: never point it at one that matters.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from benchmarks.bench_intake import csv_for, payload, prepare


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--no-rows-path", action="store_true", help="skip the slow path")
    args = parser.parse_args()
    app, _token, _secret = prepare(args.database, args.redis)
    from sqlalchemy import create_engine, insert

    from benchmarks.baseline_app import metadata, rows
    from config import database_url_for_sqlalchemy
    from triage.extensions import db
    from triage.services import importer
    from triage.services.actor import Actor
    from triage.settings import Settings

    engine = create_engine(database_url_for_sqlalchemy(args.database))
    metadata.create_all(engine)
    rng, serial = random.Random(7), [0]
    figures: dict[str, list[float]] = {"bulk": [], "rows": [], "executemany": []}
    with app.app_context():
        settings = Settings.from_config(app.config, app.instance_path)
        for _run in range(args.runs):
            for path in ("bulk", "rows", "executemany"):
                if path == "rows" and args.no_rows_path:
                    continue
                now = datetime.now(UTC).replace(microsecond=0)
                bodies = [payload(rng, serial[0] + i, now - timedelta(minutes=5))
                          for i in range(args.rows)]  # fmt: skip
                serial[0] += args.rows
                started = time.perf_counter()
                if path == "executemany":
                    with engine.begin() as conn:
                        conn.execute(insert(rows), [{"reference": b["police_reference"],
                                                     "body": b, "created_at": now}
                                                    for b in bodies])  # fmt: skip
                else:
                    report = importer.import_referrals(
                        csv_for(bodies), actor=Actor.system("bench"), now=now,
                        settings=settings, limited=False, bulk=path == "bulk",
                    )  # fmt: skip
                    db.session.commit()
                    assert report.counts()["accepted"] == args.rows, report.counts()
                    assert report.path == path
                figures[path].append(args.rows / (time.perf_counter() - started))
    for path, values in figures.items():
        if values:
            print(f"{path:12} {statistics.median(values):9.1f} rows/s "
                  f"(spread {min(values):.1f}-{max(values):.1f}, {len(values)} runs)")  # fmt: skip
    engine.dispose()


if __name__ == "__main__":
    main()
