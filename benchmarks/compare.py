"""`make bench-compare A=old.json B=new.json`: two `make bench` runs side by side."""

from __future__ import annotations

import json
import sys


def main(first: str, second: str) -> None:
    a, b = (json.load(open(path, encoding="utf-8")) for path in (first, second))  # noqa: SIM115
    print(f"A: {a['at']} {a['machine']}\nB: {b['at']} {b['machine']}\n")
    print(f"{'figure':40} {'A':>10} {'B':>10} {'B/A':>7} {'ratio A':>8} {'ratio B':>8}")
    for name, fb in b["figures"].items():
        fa = a["figures"].get(name)
        if fa is None:
            print(f"{name:40} {'-':>10} {fb['median']:>10.1f}")
            continue
        change = fb["median"] / fa["median"] if fa["median"] else float("nan")
        print(
            f"{name:40} {fa['median']:>10.1f} {fb['median']:>10.1f} {change:>6.2f}x "
            f"{fa['ratio'] or 0:>7.1f}x {fb['ratio'] or 0:>7.1f}x"
        )
    print("ratio: times slower than the baseline measured in the same run")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
