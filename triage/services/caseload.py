""" "My cases": the open cases a worker holds (the IDVA's own and assigned cases, and those a
screener is assigned), each with its next deadline, one query per page.

The next deadline is the earliest of: the S2S offer due time (while no offer is recorded),
the MARAC meeting the case is listed for, and the earliest due date of its open MARAC actions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from triage.extensions import db
from triage.models import MaracAction, MaracListing, MaracMeeting, PersonDetails, Referral, User
from triage.permissions import visible_referrals_clause

PER_PAGE = 25
LONDON = ZoneInfo("Europe/London")
# An action due "on" a day is due by close of business (DOMAIN.md's default) that day.
ACTION_DUE_TIME = time(17, 0)
DEADLINE_LABELS = {
    "offer": "S2S offer due",
    "marac": "MARAC meeting",
    "action": "MARAC action due",
}


class earliest(GenericFunction):  # named as SQL names it
    """The smallest non-NULL argument (PostgreSQL's LEAST), NULL when all are NULL."""

    inherit_cache = True


@compiles(earliest)
def _least(element, compiler, **kw) -> str:
    return f"LEAST({compiler.process(element.clauses, **kw)})"


_NEVER = "'9999-12-31'"


@compiles(earliest, "sqlite")
def _sqlite_least(element, compiler, **kw) -> str:
    # SQLite's scalar MIN() is NULL if any argument is; its dates and times are ISO text.
    args = ", ".join(f"COALESCE({compiler.process(c, **kw)}, {_NEVER})" for c in element.clauses)
    return f"NULLIF(MIN({args}), {_NEVER})"


@dataclass(frozen=True)
class CaseRow:
    referral_id: int
    victim_name: str | None
    risk_level: str
    mcic: bool
    status: str
    received_at: datetime
    deadline_kind: str | None
    deadline_at: datetime | None
    overdue: bool = False

    @property
    def reference(self) -> str:
        return f"R{self.referral_id:06d}"

    @property
    def deadline_label(self) -> str | None:
        return DEADLINE_LABELS.get(self.deadline_kind) if self.deadline_kind else None


@dataclass(frozen=True)
class CasePage:
    rows: list[CaseRow]
    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def held_by_clause(user: User) -> ColumnElement[bool]:
    """The cases this worker holds: assigned to them, or (for an IDVA) referred by them."""
    held = [Referral.assigned_idva_id == user.id, Referral.assigned_screener_id == user.id]
    if "idva" in user.roles:
        held.append(Referral.referrer_id == user.id)
    return or_(*held)


def my_cases(user: User, *, now: datetime, page: int = 1, per_page: int = PER_PAGE) -> CasePage:
    """One page of the user's open cases, the soonest next deadline first (cases with none
    last), with the total, in one query."""
    page = max(1, page)
    meeting_at = (
        select(func.min(MaracMeeting.starts_at))
        .join(MaracListing, MaracListing.meeting_id == MaracMeeting.id)
        .where(MaracListing.referral_id == Referral.id, MaracListing.status == "listed")
        .correlate(Referral)
        .scalar_subquery()
    )
    action_due = (
        select(func.min(MaracAction.due_on))
        .join(MaracListing, MaracAction.listing_id == MaracListing.id)
        .where(MaracListing.referral_id == Referral.id, MaracAction.status == "open")
        .correlate(Referral)
        .scalar_subquery()
    )
    offer_due = case((Referral.status == "received", Referral.offer_due_at))
    next_at = earliest(offer_due, meeting_at, action_due)
    query = (
        select(
            Referral.id,
            PersonDetails.first_name,
            PersonDetails.last_name,
            Referral.risk_level,
            Referral.mcic,
            Referral.status,
            Referral.received_at,
            Referral.offer_due_at,
            meeting_at.label("meeting_at"),
            action_due.label("action_due"),
            func.count().over().label("total"),
        )
        .outerjoin(
            PersonDetails,
            and_(PersonDetails.referral_id == Referral.id, PersonDetails.role == "victim"),
        )
        .where(Referral.status != "closed", held_by_clause(user), visible_referrals_clause(user))
        .order_by(next_at.is_(None), next_at, Referral.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    result = db.session.execute(query).all()
    total = result[0].total if result else _count_when_past_the_end(user, page)
    return CasePage([_row(r, now) for r in result], page, total, per_page)


def _count_when_past_the_end(user: User, page: int) -> int:
    # Only a page past the last one gets here (the window count came back with no rows).
    if page == 1:
        return 0
    query = select(func.count(Referral.id)).where(
        Referral.status != "closed", held_by_clause(user), visible_referrals_clause(user)
    )
    return int(db.session.scalar(query) or 0)


def _row(r, now: datetime) -> CaseRow:
    kind, when = next_deadline(
        offer_due_at=r.offer_due_at if r.status == "received" else None,
        meeting_at=r.meeting_at,
        action_due=r.action_due,
    )
    name = f"{r.first_name} {r.last_name}".strip() if r.first_name is not None else None
    overdue = when is not None and when < now
    return CaseRow(
        r.id, name, r.risk_level, bool(r.mcic), r.status, r.received_at, kind, when, overdue
    )


def next_deadline(
    *, offer_due_at: datetime | None, meeting_at: datetime | None, action_due: date | None
) -> tuple[str | None, datetime | None]:
    """The earliest of the case's deadlines, as (kind, when), or (None, None)."""
    candidates: list[tuple[datetime, str]] = []
    if offer_due_at is not None:
        candidates.append((_aware(offer_due_at), "offer"))
    if meeting_at is not None:
        candidates.append((_aware(meeting_at), "marac"))
    if action_due is not None:
        if isinstance(action_due, str):  # SQLite returns MIN() over a date column as text
            action_due = date.fromisoformat(action_due)
        due = datetime.combine(action_due, ACTION_DUE_TIME, LONDON)
        candidates.append((due, "action"))
    if not candidates:
        return None, None
    when, kind = min(candidates)
    return kind, when


def _aware(value: datetime | str) -> datetime:
    # Aggregates over UTC columns lose the column type on SQLite: read them back as UTC.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
