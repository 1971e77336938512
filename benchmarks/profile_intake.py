"""Where a POST /api/v1/referrals spends its CPU: cProfile with the process clock, through
the test client, on a scratch PostgreSQL database (its schema is dropped first).

    .venv/bin/python benchmarks/profile_intake.py [--n 250] [--out FILE]

Prints wall and CPU per POST without the profiler, then writes the profiled run's
cumulative and own-time listings to --out. The profiler roughly doubles every figure;
compare shares, not milliseconds (docs/performance.md, Intake).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_intake import UNLIMITED, payload, prepare  # noqa: E402


def _post_all(client, token: str, bodies: list[dict]) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for body in bodies:
        response = client.post("/api/v1/referrals", json=body, headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"unexpected {response.status_code}: {response.get_data(True)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=250)
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/triage_bench"
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/4")
    parser.add_argument("--out", default=str(ROOT / "instance" / "bench" / "intake.prof.txt"))
    args = parser.parse_args()

    from config import database_url_for_sqlalchemy

    os.environ.setdefault("TRIAGE_INSTANCE_PATH", str(ROOT / "instance" / "bench"))
    os.environ.update(UNLIMITED)
    app, token, _secret = prepare(database_url_for_sqlalchemy(args.database_url), args.redis_url)
    rng = random.Random(3)
    now = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    bodies = [payload(rng, n, now) for n in range(3 * args.n)]
    client = app.test_client()
    _post_all(client, token, bodies[: args.n])  # warm-up
    wall, cpu = time.perf_counter(), time.process_time()
    _post_all(client, token, bodies[args.n : 2 * args.n])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"unprofiled: {1000 * wall / args.n:.1f} ms wall, {1000 * cpu / args.n:.1f} ms CPU a POST"
    )
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    _post_all(client, token, bodies[2 * args.n :])
    profiler.disable()
    with open(args.out, "w") as handle:
        stats = pstats.Stats(profiler, stream=handle)
        stats.sort_stats("cumulative").print_stats(120)
        stats.sort_stats("tottime").print_stats(50)
    print(f"profile: {args.out}")


if __name__ == "__main__":
    main()
