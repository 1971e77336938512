"""Test-only helpers for the MARAC and offer tests: referrals inserted directly, with an
assessment from the real rule engine (`triage.rules.assess`)."""

from __future__ import annotations

from datetime import datetime

from tests.factories import make_details, make_person
from triage.extensions import db
from triage.models import Referral
from triage.rules import assess
from triage.services.actor import Actor
from triage.workdays import offer_due

ACTOR = Actor.system("test")


def make_referral(
    received_at: datetime,
    *,
    yes: int = 15,
    children: int = 0,
    victim=None,
    victim_details: dict | None = None,
    last_marac_referral_at: datetime | None = None,
    source_agency: str = "police",
) -> Referral:
    facts = {
        "dash": {n: "yes" for n in range(1, yes + 1)},
        "received_at": received_at,
        "last_marac_referral_at": last_marac_referral_at,
    }
    result = assess(facts)
    victim = victim or make_person()
    referral = Referral(
        source_agency=source_agency,
        referrer_name="PC Example",
        victim_id=victim.id,
        children_in_household=children,
        received_at=received_at,
        answers={"dash": {str(k): v for k, v in facts["dash"].items()}},
        assessment=result.to_dict(),
        ruleset_version=result.ruleset_version,
        score=result.score,
        risk_level=result.risk_level,
        marac=result.marac,
        mcic=result.mcic,
        offer_due_at=offer_due(received_at),
    )
    db.session.add(referral)
    db.session.flush()
    make_details(referral, "victim", **(victim_details or {}))
    return referral
