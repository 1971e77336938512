"""Fill or refresh each offer's stored working hours (from the referral's receipt to the
offer), under a calendar passed in. Reports read the stored value, so a calendar change
(a new closure day) changes past figures only when someone runs this on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from triage.models import Offer, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.reports.definitions import REACHED_OUTCOMES
from triage.workdays import WorkingCalendar

BATCH = 1000


@dataclass(frozen=True)
class Recomputed:
    examined: int
    changed: int


def recompute(
    session: Session,
    *,
    calendar: WorkingCalendar,
    refresh: bool,
    actor: Actor,
    now: datetime,
) -> Recomputed:
    """Offers without stored hours (or, with `refresh`, every offer) get them computed; one
    audit event records how many changed. Works in batches by id (a year is ~10^5 offers)."""
    examined = changed = 0
    last_id = 0
    while True:
        query = (
            select(
                Offer.id,
                Offer.referral_id,
                Offer.made_at,
                Offer.working_hours,
                Referral.received_at,
            )
            .join(Referral, Referral.id == Offer.referral_id)
            .where(Offer.id > last_id)
            .order_by(Offer.id)
            .limit(BATCH)
        )
        if not refresh:
            query = query.where(Offer.working_hours.is_(None))
        rows = session.execute(query).all()
        if not rows:
            break
        last_id = rows[-1].id
        examined += len(rows)
        updates = []
        for row in rows:
            hours = calendar.working_hours_between(row.received_at, row.made_at)
            if row.working_hours is None or abs(row.working_hours - hours) > 1e-9:
                updates.append({"id": row.id, "working_hours": hours})
        if updates:
            session.execute(update(Offer), updates)
            changed_ids = {u["id"] for u in updates}
            _refresh_summaries(session, {r.referral_id for r in rows if r.id in changed_ids})
            changed += len(updates)
    audit.record(
        "offer.working_hours.recompute",
        actor,
        object_type="offer",
        details={"refresh": refresh, "examined": examined, "changed": changed},
        now=now,
    )
    return Recomputed(examined, changed)


def _refresh_summaries(session: Session, referral_ids: set[int]) -> None:
    """The referral's stored first-offer hours (what the reports read) follow its first
    offer's: same order as everywhere, earliest made_at then lowest id."""
    first_hours = (
        select(Offer.working_hours)
        .where(Offer.referral_id == Referral.id, Offer.outcome.in_(REACHED_OUTCOMES))
        .order_by(Offer.made_at, Offer.id)
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )
    session.execute(
        update(Referral)
        .where(Referral.id.in_(sorted(referral_ids)))
        .values(first_offer_hours=first_hours)
        .execution_options(synchronize_session=False)
    )
