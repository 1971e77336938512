"""The HTTP figures of `make bench` (benchmarks/bench.py): the app and the baseline app each
under gunicorn with 2 sync workers on 127.0.0.1, driven by benchmarks/loadgen.py in a second
process for a bounded time, figure and baseline alternately."""

from __future__ import annotations

import contextlib
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.bench_intake import payload

if TYPE_CHECKING:
    from benchmarks.bench import Figures

ROOT = Path(__file__).resolve().parents[1]
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
THREADS = 4
PY = sys.executable


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def gunicorn(target: str, env: dict) -> tuple[subprocess.Popen, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
        "--keep-alive", "30", "--log-level", "warning", target,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})
    deadline = time.monotonic() + 40
    import http.client

    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz" if "wsgi" in target else "/table")
            conn.getresponse().read()
            conn.close()
            return process, port
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn {target} did not start")


def load(port: int, paths: list[str], *, method="GET", body=None, headers=(), rate=0.0,
         expect=200, seconds: float = SECONDS, threads: int = THREADS) -> dict:  # fmt: skip
    command = [PY, str(ROOT / "benchmarks/loadgen.py"), "--port", str(port),
               "--method", method, "--threads", str(threads), "--seconds", str(seconds),
               "--expect", str(expect)]  # fmt: skip
    for path in paths:
        command += ["--path", path]
    for header in headers:
        command += ["--header", header]
    if body:
        command += ["--body-file", body]
    if rate:
        command += ["--rate", f"{rate:.2f}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=SECONDS + 60)
    if body:
        os.unlink(body)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["errors"]:
        raise BenchFailure(f"{result['errors']} errors, e.g. {result['first_error']}")
    return result


class BenchFailure(RuntimeError):
    """A figure that could not be measured (errors or time-outs): shown in the table."""


def bodies_file(rng: random.Random, serial: list[int], count: int) -> str:
    now = _now() - timedelta(minutes=1)
    items = []
    for _ in range(count):
        serial[0] += 1
        items.append(payload(rng, serial[0], now))
    descriptor, name = tempfile.mkstemp(suffix=".json", dir=ROOT / "instance")
    with os.fdopen(descriptor, "w") as handle:
        json.dump(items, handle)
    return name


def http_figures(figures: Figures, env: dict, token: str, cookies: dict, ids: dict) -> None:
    rng, serial = random.Random(5), [0]
    triage, triage_port = gunicorn("wsgi:app", env)
    baseline, baseline_port = gunicorn("benchmarks.baseline_app:app", env)
    auth = f"Authorization: Bearer {token}"
    screener = f"Cookie: {env['COOKIE_NAME']}={cookies['screener']}"
    coordinator = f"Cookie: {env['COOKIE_NAME']}={cookies['marac_coordinator']}"
    manager = f"Cookie: {env['COOKIE_NAME']}={cookies['manager']}"
    try:
        # Warm-up: each gunicorn worker imports, connects and fills its caches first.
        warm = bodies_file(rng, serial, 2000)
        load(triage_port, ["/api/v1/referrals"], method="POST", body=warm, headers=[auth],
             expect=201, seconds=2)  # fmt: skip
        load(triage_port, ["/screening/", f"/referrals/{ids['referral']}"], headers=[screener],
             seconds=2)  # fmt: skip
        with contextlib.suppress(BenchFailure):  # measured, and reported, in the runs
            load(triage_port, [f"/marac/meetings/{ids['meeting']}"], headers=[coordinator],
                 seconds=2)  # fmt: skip
        load(baseline_port, ["/table"], seconds=1)
        # Pages first: the intake runs below add referrals to the morning list.
        for _run in range(RUNS):
            page_figures(figures, triage_port, baseline_port, ids, screener, coordinator,
                         manager)  # fmt: skip
        for _run in range(RUNS):
            body = bodies_file(rng, serial, 6000)
            base = load(baseline_port, ["/insert"], method="POST", body=body, expect=201)
            body = bodies_file(rng, serial, 6000)
            full = load(triage_port, ["/api/v1/referrals"], method="POST", body=body,
                        headers=[auth], expect=201)  # fmt: skip
            figures.add("intake POST", "req/s", full["rps"], "minimal insert + commit", base["rps"])
            half = full["rps"] / 2
            body = bodies_file(rng, serial, 6000)
            base_half = load(baseline_port, ["/insert"], method="POST", body=body, rate=half,
                             expect=201)  # fmt: skip
            body = bodies_file(rng, serial, 6000)
            full_half = load(triage_port, ["/api/v1/referrals"], method="POST", body=body,
                             headers=[auth], rate=half, expect=201)  # fmt: skip
            figures.add("intake p95 at half load", "ms", full_half["p95_ms"],
                        "minimal insert, same rate", base_half["p95_ms"],
                        better="lower")  # fmt: skip
    finally:
        for process in (triage, baseline):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # a worker stuck in a slow page
                process.kill()
                process.wait()


def page_figures(figures: Figures, port: int, baseline_port: int, ids: dict, screener: str,
                 coordinator: str, manager: str) -> None:  # fmt: skip
    """Each page's throughput (4 client threads) and its median and p95 latency (one client
    at a time), beside a plain Jinja table: 200 rows, or as many rows as the morning list
    shows (its same-size baseline)."""
    rows = max(1, ids["waiting"])
    pages = (
        (f"S2S morning list ({ids['waiting']:,} rows)", "/screening/", screener, rows),
        (f"case page ({ids['history']} referrals)", f"/referrals/{ids['referral']}", screener,
         200),
        ("MARAC meeting", f"/marac/meetings/{ids['meeting']}", coordinator, 200),
        ("timeliness report, this FY", "/reports/timeliness?preset=this_financial_year",
         manager, 200),
    )  # fmt: skip
    for name, path, cookie, size in pages:
        table = [f"/table?rows={size}"]
        label = f"{size}-row Jinja table"
        try:
            page = load(port, [path], headers=[cookie])
            base = load(baseline_port, table)
            figures.add(f"page: {name}", "req/s", page["rps"], label, base["rps"])
            one = load(port, [path], headers=[cookie], threads=1)
            base_one = load(baseline_port, table, threads=1)
        except BenchFailure as failure:
            figures.fail(f"page: {name}", str(failure))
            continue
        figures.add(f"page: {name} median", "ms", one["p50_ms"], label, base_one["p50_ms"],
                    better="lower")  # fmt: skip
        figures.add(f"page: {name} p95", "ms", one["p95_ms"], label, base_one["p95_ms"],
                    better="lower")  # fmt: skip
