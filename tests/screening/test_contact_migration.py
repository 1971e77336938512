"""Migration 0010 puts back on the morning list the cases whose only contacts were attempts
(the old code set `offer_made` on any contact); downgrade restores the old rule."""

from __future__ import annotations

from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData

from tests.people.test_details_migration import WHEN, _rows, _seed_old_schema, scratch
from triage.extensions import db

__all__ = ["scratch"]  # the fixture, shared with the person-details migration test
BEFORE = "0013_closure_reason"


def _offer(n: int, referral_id: int, outcome: str) -> dict:
    return {
        "id": n,
        "referral_id": referral_id,
        "made_at": WHEN,
        "method": "phone",
        "outcome": outcome,
        "created_at": WHEN,
    }


def test_attempted_only_cases_go_back_on_the_list_and_downgrade_restores(scratch):
    upgrade(revision="0007_marac_actions")
    _seed_old_schema()  # referrals 1 and 2
    upgrade(revision=BEFORE)
    tables = MetaData()
    tables.reflect(db.engine, only=["referrals", "offers"])
    referrals = tables.tables["referrals"]
    with db.engine.begin() as conn:
        conn.execute(referrals.update().values(status="offer_made"))
        conn.execute(
            tables.tables["offers"].insert(),
            [
                _offer(1, 1, "no_contact"),
                _offer(2, 1, "unsafe_to_contact"),
                _offer(3, 2, "no_contact"),
                _offer(4, 2, "declined"),
            ],
        )
    upgrade()
    statuses = {r["id"]: r["status"] for r in _rows("SELECT id, status FROM referrals")}
    assert statuses == {1: "received", 2: "offer_made"}
    downgrade(revision=BEFORE)
    statuses = {r["id"]: r["status"] for r in _rows("SELECT id, status FROM referrals")}
    assert statuses == {1: "offer_made", 2: "offer_made"}
