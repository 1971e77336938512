"""Reading the S2S morning list: referrals without an offer, the earliest due first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from triage.extensions import db
from triage.models import Referral
from triage.models.referral import SOURCE_AGENCIES
from triage.permissions.cases import visible_referrals_clause
from triage.rules import RISK_LEVELS
from triage.workdays import WorkingCalendar

DUE_FILTERS: dict[str, str] = {
    "all": "All waiting",
    "overdue": "Overdue",
    "today": "Due today",
    "later": "Due later",
}


@dataclass(frozen=True)
class Filters:
    due: str = "all"
    risk: str = ""
    source: str = ""
    marac: bool = False
    mcic: bool = False


@dataclass(frozen=True)
class Row:
    referral: Referral
    state: str  # overdue / today / later

    @property
    def agency(self) -> str:
        return SOURCE_AGENCIES.get(self.referral.source_agency, self.referral.source_agency)


def parse_filters(args: Mapping[str, str]) -> tuple[Filters, list[str]]:
    """Codes only; an unknown code is ignored and reported, never echoed into a query."""
    problems = []
    due = args.get("due", "all") or "all"
    if due not in DUE_FILTERS:
        problems.append("Unknown due filter ignored")
        due = "all"
    risk = args.get("risk", "") or ""
    if risk and risk not in RISK_LEVELS:
        problems.append("Unknown risk level ignored")
        risk = ""
    source = args.get("source", "") or ""
    if source and source not in SOURCE_AGENCIES:
        problems.append("Unknown source agency ignored")
        source = ""
    return (
        Filters(
            due=due,
            risk=risk,
            source=source,
            marac=args.get("marac") == "1",
            mcic=args.get("mcic") == "1",
        ),
        problems,
    )


def due_state(due_at: datetime | None, now: datetime, calendar: WorkingCalendar) -> str:
    if due_at is None:
        return "later"
    if due_at < now:
        return "overdue"
    if calendar.local_date(due_at) == calendar.local_date(now):
        return "today"
    return "later"


def waiting(user, filters: Filters, *, now: datetime, calendar: WorkingCalendar) -> list[Row]:
    query = (
        select(Referral)
        .where(Referral.status == "received", visible_referrals_clause(user))
        .order_by(Referral.offer_due_at.is_(None), Referral.offer_due_at, Referral.id)
    )
    if filters.risk:
        query = query.where(Referral.risk_level == filters.risk)
    if filters.source:
        query = query.where(Referral.source_agency == filters.source)
    if filters.marac:
        query = query.where(Referral.marac.is_(True))
    if filters.mcic:
        query = query.where(Referral.mcic.is_(True))
    rows = [Row(r, due_state(r.offer_due_at, now, calendar)) for r in db.session.scalars(query)]
    if filters.due != "all":
        rows = [row for row in rows if row.state == filters.due]
    return rows
