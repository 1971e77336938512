"""Synthetic screening decisions and MARAC outcomes (issue 11: "screening decisions" and
"MARAC meetings and listings with actions"), as rows and audit events that match what
`screening_decisions.decide` and `marac_actions.record_outcome` write.

Most referrals are screened at the S2S morning meeting before their offer: a decision
(version 1) with a route and an owner, who becomes the case's assigned worker; a few are
revised later (version 2, a new owner or route). A heard MARAC case has its outcome recorded
by the coordinator within a couple of days of the meeting. These draw on their own random
stream (seeded from the build's seed), so the rest of the data set is as it was without them.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from triage.services.synth.cases import Ids, Rows, Staff
from triage.services.synth.chain import Chain

SCREENED = 0.9  # share of referrals with a decision
REVISED = 0.05  # share of decisions revised once
INFORM = ("police", "health", "childrens_social_care", "housing", "probation")  # catalogue order
SIGNPOSTS = ("Local women's aid service", "Housing options", "Victim Support")


class Screening:
    def __init__(self, seed: int, staff: Staff, now: datetime) -> None:
        # Its own stream: adding decisions does not move any other synthetic value.
        self.rng = random.Random(f"synth-screening-{seed}")
        self.staff, self.now = staff, now

    def decide(
        self, referral: dict, offer_at: datetime | None, rows: Rows, ids: Ids, chain: Chain
    ) -> None:
        """The referral's decision (and sometimes its revision), before its offer if any."""
        rng = self.rng
        if rng.random() >= SCREENED:
            return
        received = referral["received_at"]
        by = offer_at or referral["offer_due_at"]
        decided_at = received + (by - received) * rng.uniform(0.1, 0.6)
        if decided_at > self.now:
            return
        route = self._route(referral)
        previous = self._decision(referral, 1, route, None, decided_at, rows, ids, chain)
        revised_at = decided_at + timedelta(hours=rng.uniform(2, 72))
        if rng.random() < REVISED and revised_at <= self.now:
            route = "idva" if route != "marac" else route  # escalated to an IDVA
            self._decision(referral, 2, route, previous, revised_at, rows, ids, chain)

    def _route(self, referral: dict) -> str:
        rng = self.rng
        if referral["marac"]:
            return "marac" if rng.random() < 0.9 else "idva"
        if referral["risk_level"] == "high":
            return "idva"
        return rng.choices(
            ("s2s_offer", "idva", "perpetrator_pathway", "signpost", "no_further_action"),
            (70, 10, 5, 10, 5),
        )[0]

    def _owner(self, referral: dict, route: str, previous: int | None) -> int:
        """The worker who holds the case: an IDVA for the IDVA and MARAC routes, else a
        screener; a revision moves it to someone else."""
        pool = self.staff.idvas if route in ("idva", "marac") else self.staff.screeners
        current = referral["assigned_idva_id"] if route in ("idva", "marac") else None
        if current is None and pool is self.staff.screeners:
            current = referral["assigned_screener_id"]
        if current is not None and current != previous:
            return current
        return self.rng.choice([user for user in pool if user != previous] or pool)

    def _decision(self, referral, version, route, previous, at, rows, ids, chain) -> int:
        rng = self.rng
        owner = self._owner(referral, route, previous)
        agencies = [code for code in INFORM if rng.random() < 0.3]
        decision_id = ids.take("screening_decisions")
        risk, decided_by = referral["risk_level"], rng.choice(self.staff.screeners)
        rows.add(
            "screening_decisions",
            {"id": decision_id, "referral_id": referral["id"], "version": version,
             "route": route,
             "signpost_to": rng.choice(SIGNPOSTS) if route == "signpost" else None,
             "no_action_reason": "Already supported by another service"
             if route == "no_further_action" else None,
             "owner_id": owner, "agencies": agencies, "notes": None, "judgement_reason": None,
             "risk_before": risk, "risk_after": risk,
             "decided_by_id": decided_by, "decided_at": at},
        )  # fmt: skip
        self._assign(referral, owner, previous)
        referral["updated_at"] = max(referral["updated_at"], at)
        chain.add(
            "screening.decide", at, user_id=decided_by,
            object_type="referral", object_id=referral["id"],
            details={"reference": f"R{referral['id']:06d}", "version": version, "route": route,
                     "owner_id": owner, "agencies": agencies, "risk_raised": False,
                     "risk_before": risk, "risk_after": risk},
        )  # fmt: skip
        return owner

    def _assign(self, referral: dict, owner: int, previous: int | None) -> None:
        """As `screening_decisions._assign`: the owner becomes the assigned worker."""
        if owner in self.staff.idvas:
            referral["assigned_idva_id"] = owner
            return
        referral["assigned_screener_id"] = owner
        if previous is not None and referral["assigned_idva_id"] == previous:
            referral["assigned_idva_id"] = None

    def outcome(self, listing: dict[str, Any], chain: Chain) -> None:
        """A listing's outcome columns (empty until the coordinator records one, within two
        days of the hearing; every heard synthetic case has actions agreed)."""
        listing.update(outcome=None, outcome_recorded_at=None, outcome_recorded_by_id=None)
        heard_at = listing["heard_at"]
        if heard_at is None:
            return
        at = (heard_at + timedelta(hours=self.rng.uniform(1, 48))).replace(microsecond=0)
        if at > self.now:
            return
        coordinator = self.staff.coordinator
        listing.update(
            outcome="actions_agreed", outcome_recorded_at=at, outcome_recorded_by_id=coordinator
        )
        chain.add(
            "marac.outcome.record", at, user_id=coordinator, object_type="marac_listing",
            object_id=listing["id"],
            details={"referral_id": listing["referral_id"], "meeting_id": listing["meeting_id"],
                     "outcome": {"old": None, "new": "actions_agreed"},
                     "relisted_at_meeting_id": None},
        )  # fmt: skip
