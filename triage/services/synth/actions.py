"""The safety actions agreed for a heard synthetic case: one to three, owned by an agency,
due in one to four weeks; past ones mostly closed (as a coordinator chases them)."""

from __future__ import annotations

from datetime import datetime, timedelta

from triage.services.synth.chain import Chain

AGENCIES = ("police", "idva", "health", "housing", "childrens_social_care", "probation")
ACTION_TEXT = (
    "Safety plan reviewed with the victim",
    "Marker placed on the address",
    "Housing options appointment offered",
    "Referral to perpetrator programme",
    "Children's services strategy discussion",
)


def add_actions(listing: dict, heard_at: datetime, rows, ids, chain: Chain, rng, now: datetime,
                coordinator: int) -> None:  # fmt: skip
    for _ in range(rng.choice((1, 2, 2, 3))):
        due_on = (heard_at + timedelta(days=rng.choice((7, 14, 28)))).date()
        # Past actions are mostly closed; one long overdue is chased until it is (an
        # open action more than eight weeks past its date is rare, not one in ten).
        stale = due_on < now.date() - timedelta(weeks=8)
        status = "open" if due_on > now.date() else rng.choices(
            ("done", "not_done", "blocked", "open"),
            (82, 10, 7, 1) if stale else (75, 8, 7, 10))[0]  # fmt: skip
        action_id = ids.take("marac_actions")
        agency = rng.choice(AGENCIES)
        rows.add(
            "marac_actions",
            {"id": action_id, "listing_id": listing["id"], "agency": agency,
             "description": rng.choice(ACTION_TEXT), "due_on": due_on, "status": status,
             "status_note": None, "created_by_id": coordinator,
             "created_at": heard_at, "updated_at": heard_at},
        )  # fmt: skip
        chain.add(
            "marac.action.add", heard_at, user_id=coordinator,
            object_type="marac_action", object_id=action_id,
            details={"listing_id": listing["id"], "agency": agency},
        )  # fmt: skip
