"""A small load generator, run as its own process: T threads, each with one keep-alive
HTTP/1.1 connection to 127.0.0.1, for a bounded duration; prints one JSON line.

    python benchmarks/loadgen.py --port P --path /x [--method POST --body-file F]
        [--header "Cookie: ..."] [--threads 4] [--seconds 10] [--rate R]

`--rate` paces the whole client to R requests per second (for latency at a given load);
without it every thread sends as fast as answers come back (for throughput). A JSON body
file holding a list is sent round-robin, one element per request (unique referrals).
Every answer other than the expected status counts as an error.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import statistics
import sys
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", action="append", required=True)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body-file")
    parser.add_argument("--header", action="append", default=[])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=0)
    parser.add_argument("--expect", type=int, default=200)
    args = parser.parse_args()
    headers = dict(h.split(": ", 1) for h in args.header)
    bodies = None
    if args.body_file:
        with open(args.body_file, encoding="utf-8") as handle:
            bodies = [json.dumps(b) for b in json.load(handle)]
        headers["Content-Type"] = "application/json"
    lock = threading.Lock()
    serial = itertools.count()
    latencies: list[float] = []
    errors: list[str] = []
    deadline = time.monotonic() + args.seconds
    interval = args.threads / args.rate if args.rate else 0.0

    def work(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
        next_at = time.monotonic() + interval * n / args.threads
        while time.monotonic() < deadline:
            if interval:
                pause = next_at - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                next_at += interval
            i = next(serial)
            path = args.path[i % len(args.path)]
            body = bodies[i % len(bodies)] if bodies else None
            started = time.perf_counter()
            try:
                conn.request(args.method, path, body, headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:  # e.g. a worker timed out
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
                status = type(exc).__name__
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                if status != args.expect:
                    errors.append(f"{status} {path}")
        conn.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(args.threads)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    ordered = sorted(latencies) or [0.0]
    print(
        json.dumps(
            {
                "requests": len(latencies),
                "rps": len(latencies) / wall,
                "p50_ms": 1000 * statistics.median(ordered),
                "p95_ms": 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))],
                "errors": len(errors),
                "first_error": errors[0] if errors else None,
            }
        )
    )
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
