"""What the synthetic referrals say: names, sources, and a pool of assessed checklists.

Each referral takes one checklist profile from a pool assessed once by the real rule engine
(so a stored score, risk level, MARAC and MCIC flags always follow from the stored answers);
a repeat within 12 months of the pair's last MARAC referral is assessed on its own, since
the repeat criterion depends on its dates.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from triage.rules import RuleSet, assess

FIRST = [
    "Amira",
    "Bea",
    "Cara",
    "Dana",
    "Eve",
    "Fay",
    "Gina",
    "Hana",
    "Isla",
    "Jo",
    "Kim",
    "Lee",
    "Maya",
    "Nia",
    "Orla",
    "Pia",
    "Rosa",
    "Sara",
    "Tia",
    "Uma",
    "Vera",
    "Wendy",
    "Yara",
    "Zoe",
    "Alex",
    "Sam",
    "Chris",
    "Jordan",
    "Taylor",
    "Morgan",
    "Jamie",
    "Robin",
    "Priya",
    "Aisha",
    "Fatima",
    "Grace",
    "Ruth",
    "Sophie",
    "Chloe",
    "Emma",
    "Olivia",
    "Ava",
    "Mia",
    "Leah",
    "Ella",
    "Ruby",
    "Amelia",
    "Lily",
    "Freya",
    "Ivy",
]
PERP_FIRST = [
    "Adam",
    "Ben",
    "Carl",
    "Dean",
    "Eric",
    "Frank",
    "Gary",
    "Harry",
    "Ian",
    "Jack",
    "Kyle",
    "Liam",
    "Mark",
    "Neil",
    "Owen",
    "Paul",
    "Ryan",
    "Sean",
    "Tom",
    "Vince",
    "Wayne",
    "Zak",
    "Alex",
    "Sam",
    "Chris",
    "Jordan",
    "Taylor",
    "Jamie",
    "Ali",
    "Omar",
    "Kofi",
    "Luca",
    "Marco",
]
_PARTS = (
    [
        "Ash",
        "Brad",
        "Clay",
        "Dun",
        "Ed",
        "Fair",
        "Green",
        "Hal",
        "Iver",
        "Kings",
        "Lang",
        "Mor",
        "Nor",
        "Oak",
        "Pen",
        "Ross",
        "Stan",
        "Thorn",
        "Well",
        "West",
        "Whit",
        "York",
        "Bar",
        "Cal",
        "Dal",
        "Fen",
        "Gil",
        "Har",
    ],
    [
        "ing",
        "ford",
        "ley",
        "ton",
        "wood",
        "field",
        "by",
        "combe",
        "worth",
        "ham",
        "bury",
        "ridge",
        "well",
        "more",
        "dale",
    ],
)
# Sources of referrals in this borough: about 90% police notifications (DOMAIN).
SOURCES = (
    ("police", 900), ("health", 25), ("childrens_social_care", 15), ("adult_social_care", 8),
    ("housing", 12), ("probation", 8), ("voluntary_sector", 12), ("idva", 10), ("marac", 4),
    ("self", 4), ("other", 2),
)  # fmt: skip
POSTCODES = ("E15 1AA", "E15 4QQ", "E13 9PJ", "E7 0AB", "E16 2RD", "E6 1EW", "E12 5DB")
POOL = 4096


def surname(rng: random.Random) -> str:
    # About 6,000 surnames: real-looking collisions without thousands of people per name.
    return rng.choice(_PARTS[0]) + rng.choice(_PARTS[1]) + rng.choice(("", "e", "s", "son"))


def other_source(rng: random.Random) -> str:
    """A source other than the police, in proportion (the caller makes 90% police)."""
    others = SOURCES[1:]
    roll = rng.randrange(sum(weight for _, weight in others))
    for code, weight in others:
        if roll < weight:
            return code
        roll -= weight
    return "other"


@dataclass(frozen=True)
class Profile:
    facts: dict[str, Any]  # what the rule engine was given (received_at set per referral)
    assessment: dict[str, Any]


def _facts(rng: random.Random, ruleset: RuleSet) -> dict[str, Any]:
    lean = rng.betavariate(2, 4)  # most checklists low, a high-risk tail
    asked = rng.choice((24, 24, 24, 24, 22, 20, 12))
    dash = {}
    for number in range(1, asked + 1):
        roll = rng.random()
        dash[str(number)] = "yes" if roll < lean else "dont_know" if roll > 0.98 else "no"
    judged = rng.random() < 0.04
    return {
        "dash": dash,
        "police_callouts_12m": min(int(rng.expovariate(0.9)), 9),
        "professional_judgement": judged,
        "professional_judgement_reason": "Escalating threats reported" if judged else "",
        "victim_needs": rng.sample(
            [e.code for e in ruleset.victim_needs], k=rng.choice((0, 0, 0, 0, 1, 1, 2, 3))
        ),
        "perpetrator_management": rng.sample(
            [e.code for e in ruleset.perpetrator_management], k=rng.choice((0,) * 6 + (1, 2))
        ),
        "last_marac_referral_at": None,
    }


def profiles(rng: random.Random, ruleset: RuleSet) -> list[Profile]:
    pool = []
    anchor = datetime(2026, 1, 5, 9, tzinfo=UTC)
    for _ in range(POOL):
        facts = _facts(rng, ruleset)
        result = assess({**facts, "received_at": anchor}, ruleset)
        pool.append(Profile(facts, result.to_dict()))
    return pool


def repeat_assessment(
    profile: Profile, received_at: datetime, last_marac: datetime, ruleset: RuleSet
) -> dict[str, Any]:
    facts = {**profile.facts, "received_at": received_at, "last_marac_referral_at": last_marac}
    return assess(facts, ruleset).to_dict()
