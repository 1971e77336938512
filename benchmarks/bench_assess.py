"""How many assessments per second `triage.rules.assess` makes.

Run from the project root:  .venv/bin/python benchmarks/bench_assess.py [--n 20000] [--runs 7]

The facts are varied and realistic: checklists of every completeness, mostly low
scores with some high ones, call-outs, repeats, needs and perpetrator management in
roughly the proportions a borough sees. Validation of the facts is included, as
every caller pays for it.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from triage.rules import assess, default_ruleset

POOL_SIZE = 1000


def make_facts(rng: random.Random) -> dict[str, object]:
    rules = default_ruleset()
    received = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(525_600))
    # Each victim has a tendency to answer yes; some checklists are only partly asked.
    lean = rng.betavariate(2, 4)
    asked = rng.choice([24, 24, 24, 20, 12, 0])
    dash: dict[object, str] = {}
    for number in range(1, asked + 1):
        roll = rng.random()
        answer = "yes" if roll < lean else "dont_know" if roll > 0.98 else "no"
        dash[str(number) if rng.random() < 0.3 else number] = answer
    facts: dict[str, object] = {
        "dash": dash,
        "police_callouts_12m": min(int(rng.expovariate(0.8)), 9),
        "victim_needs": rng.sample(
            [e.code for e in rules.victim_needs], k=rng.choice([0, 0, 0, 1, 1, 2, 3])
        ),
        "perpetrator_management": rng.sample(
            [e.code for e in rules.perpetrator_management], k=rng.choice([0, 0, 0, 1, 2])
        ),
        "received_at": received,
    }
    if rng.random() < 0.1:
        facts["professional_judgement"] = True
        facts["professional_judgement_reason"] = "Victim fears the abuser will return tonight"
    if rng.random() < 0.3:
        facts["last_marac_referral_at"] = received - timedelta(days=rng.randrange(1, 700))
    return facts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="assessments per run")
    parser.add_argument("--runs", type=int, default=7, help="timed runs (the median is reported)")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    pool = [make_facts(rng) for _ in range(POOL_SIZE)]
    batch = [pool[i % POOL_SIZE] for i in range(args.n)]
    for facts in pool:  # warm up, and prove every generated case is valid
        assess(facts)

    rates = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for facts in batch:
            assess(facts)
        rates.append(args.n / (time.perf_counter() - start))

    results = [assess(facts) for facts in pool]
    print(f"rule set {default_ruleset().version}; Python {sys.version.split()[0]}")
    print(f"{args.runs} runs of {args.n} assessments over {POOL_SIZE} distinct cases")
    print(
        f"median {statistics.median(rates):,.0f} assessments/s "
        f"(min {min(rates):,.0f}, max {max(rates):,.0f}); "
        f"{1e6 / statistics.median(rates):.1f} µs each"
    )
    print(
        "case mix: "
        f"{sum(r.risk_level == 'high' for r in results) / POOL_SIZE:.0%} high risk, "
        f"{sum(r.marac for r in results) / POOL_SIZE:.0%} meet MARAC criteria, "
        f"{sum(r.mcic for r in results) / POOL_SIZE:.0%} MCIC, "
        f"{sum(r.answered < 24 for r in results) / POOL_SIZE:.0%} incomplete checklists"
    )


if __name__ == "__main__":
    main()
