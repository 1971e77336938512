"""Closing a synthetic case as `lifecycle.close_referral` would: the reason code, the
retention date and the `referral.close` event (a case never reached is closed as "no
contact possible" after a week or two of trying)."""

from __future__ import annotations

from datetime import datetime, timedelta

from triage.services.lifecycle import retention_until
from triage.services.synth.chain import Chain


def close_case(referral: dict, chain: Chain, offer_at: datetime | None, rng, settings,
               now: datetime) -> None:  # fmt: skip
    if offer_at is None:  # never reached: closed after a week or two of trying
        code = "no_contact"
        closed = referral["received_at"] + timedelta(days=rng.uniform(7, 15))
    elif rng.random() < 0.7:
        code = rng.choices(("support_completed", "offer_declined"), (85, 15))[0]
        closed = offer_at + timedelta(days=rng.uniform(14, 120))
    else:
        return
    if closed > now:
        return
    closed = closed.replace(microsecond=0)
    until = retention_until(closed, settings.retention_years)
    changes = {
        "status": {"from": referral["status"], "to": "closed"},
        "closed_at": {"from": None, "to": closed.isoformat()},
        "retention_until": {"from": None, "to": until.isoformat()},
    }
    referral.update(status="closed", closed_at=closed, retention_until=until, updated_at=closed,
                    closure_reason=code)  # fmt: skip
    chain.add(
        "referral.close", closed, user_id=referral["assigned_screener_id"],
        object_type="referral", object_id=referral["id"],
        details={"reference": f"R{referral['id']:06d}", "reason_code": code,
                 "detail_given": False, "override": False, "withdrawn_listings": [],
                 "open_actions": [], "changes": changes, "reason_given": True},
    )  # fmt: skip
