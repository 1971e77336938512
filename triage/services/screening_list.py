"""Reading the S2S morning list: referrals still waiting for an offer that reached the victim,
the earliest due first, with each case's state, owner and attempts, in one query.

A case leaves the list only when an offer reaches the victim (status `offer_made`) or it is
closed; attempts (no contact made, unsafe to contact) keep it here, marked "attempted"
with their count.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import aliased, defer, selectinload

from triage.extensions import db
from triage.models import Offer, Referral, User, UserRole
from triage.models.referral import SOURCE_AGENCIES
from triage.permissions.cases import visible_referrals_clause
from triage.rules import RISK_LEVELS
from triage.services import audit
from triage.services.actor import Actor
from triage.services.offers import ATTEMPT_OUTCOMES
from triage.workdays import WorkingCalendar

STATUS_FILTERS: dict[str, str] = {
    "all": "Everything waiting",
    "overdue": "Overdue",
    "today": "Due today",
    "attempted": "Attempted, not reached",
    "not_contacted": "Not yet contacted",
}
# The counts shown at the top, in this order.
COUNTED: dict[str, str] = {
    "overdue": "Overdue",
    "today": "Due today",
    "later": "Due later",
    "attempted": "Attempted, not reached",
    "not_contacted": "Not yet contacted",
}
# Roles whose holders may own a case (the referral's assigned worker).
OWNER_ROLES = ("screener", "s2s_lead", "idva")
UNASSIGNED = "none"
_NOT_LISTED = (Referral.answers, Referral.answer_details, Referral.detail, Referral.closure_detail)


@dataclass(frozen=True)
class Filters:
    status: str = "all"
    owner: str = ""  # "" any, "none" unassigned, or a user id from owner_choices()
    risk: str = ""
    source: str = ""
    marac: bool = False
    mcic: bool = False

    def codes(self) -> dict[str, object]:
        """The filter as codes only (for the audit trail and links): never a name."""
        return {k: v for k, v in asdict(self).items() if v not in ("", False, "all")}


@dataclass(frozen=True)
class Row:
    referral: Referral
    state: str  # overdue / today / later
    due_text: str  # "due in 3 h 20 min", "overdue by 1 working day"
    attempts: int
    owner_id: int | None
    owner_name: str | None

    @property
    def agency(self) -> str:
        return SOURCE_AGENCIES.get(self.referral.source_agency, self.referral.source_agency)

    @property
    def repeat(self) -> bool:
        return "repeat" in (self.referral.assessment or {}).get("marac_criteria", [])

    @property
    def contact(self) -> str:
        return "attempted" if self.attempts else "not_contacted"


@dataclass(frozen=True)
class MorningList:
    rows: list[Row]
    counts: dict[str, int] = field(default_factory=dict)
    as_of: datetime | None = None


def owner_choices() -> list[tuple[str, str]]:
    """(user id, name) of active users who may hold cases, by name."""
    users = db.session.execute(
        select(User.id, User.name)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role.in_(OWNER_ROLES), User.active.is_(True))
        .distinct()
        .order_by(User.name, User.id)
    )
    return [(str(uid), name) for uid, name in users]


def parse_filters(
    args: Mapping[str, str], owners: list[tuple[str, str]]
) -> tuple[Filters, list[str]]:
    """Codes only; an unknown code is ignored and reported, never echoed into a query."""
    problems = []
    status = args.get("status", "all") or "all"
    if status not in STATUS_FILTERS:
        problems.append("Unknown status filter ignored")
        status = "all"
    owner = args.get("owner", "") or ""
    if owner and owner != UNASSIGNED and owner not in {uid for uid, _ in owners}:
        problems.append("Unknown owner ignored")
        owner = ""
    risk = args.get("risk", "") or ""
    if risk and risk not in RISK_LEVELS:
        problems.append("Unknown risk level ignored")
        risk = ""
    source = args.get("source", "") or ""
    if source and source not in SOURCE_AGENCIES:
        problems.append("Unknown source agency ignored")
        source = ""
    filters = Filters(
        status=status,
        owner=owner,
        risk=risk,
        source=source,
        marac=args.get("marac") == "1",
        mcic=args.get("mcic") == "1",
    )
    return filters, problems


def due_state(due_at: datetime | None, now: datetime, calendar: WorkingCalendar) -> str:
    if due_at is None:
        return "later"
    if due_at < now:
        return "overdue"
    if calendar.local_date(due_at) == calendar.local_date(now):
        return "today"
    return "later"


def _office_day(calendar: WorkingCalendar) -> timedelta:
    opening = datetime.combine(datetime.min, calendar.opening_time)
    return datetime.combine(datetime.min, calendar.close_of_business) - opening


def _span(working: timedelta, day: timedelta) -> str:
    """Working time as "1 working day 2 h 5 min" (zero parts left out)."""
    days, rest = divmod(working, day)
    hours, rest = divmod(rest, timedelta(hours=1))
    minutes = rest // timedelta(minutes=1)
    parts = []
    if days:
        parts.append(f"{days} working day{'s' if days != 1 else ''}")
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    return " ".join(parts)


def due_text(due_at: datetime | None, now: datetime, calendar: WorkingCalendar) -> str:
    """How long is left, or how late it is, in working time (office hours on working days)."""
    if due_at is None:
        return "no due time"
    day = _office_day(calendar)
    if due_at < now:
        late = _span(calendar.working_time_between(due_at, now), day)
        return f"overdue by {late}" if late else "overdue since close of business"
    left = _span(calendar.working_time_between(now, due_at), day)
    return f"due in {left}" if left else "due now"


def _query(user, filters: Filters):
    """One statement: the cases, their owner and their attempt count, permission included."""
    # Counted per listed case (index ix_offers_referral_outcome_made), not grouped over every
    # attempt ever recorded: the cost follows the list's length, not the database's size.
    attempts = (
        select(func.count(Offer.id))
        .where(Offer.referral_id == Referral.id, Offer.outcome.in_(tuple(ATTEMPT_OUTCOMES)))
        .correlate(Referral)
        .scalar_subquery()
    )
    owner = aliased(User)
    owner_id = func.coalesce(Referral.assigned_screener_id, Referral.assigned_idva_id)
    query = (
        select(Referral, attempts, owner.id, owner.name)
        .outerjoin(owner, owner.id == owner_id)
        .where(Referral.status == "received", visible_referrals_clause(user))
        # The checklist's answers and free text are not on the list: not read, not decoded
        # (raiseload: a later use fails the tests instead of loading row by row).
        .options(*(defer(c, raiseload=True) for c in _NOT_LISTED))
        .order_by(Referral.offer_due_at.is_(None), Referral.offer_due_at, Referral.id)
    )
    if filters.owner == UNASSIGNED:
        query = query.where(owner_id.is_(None))
    elif filters.owner:
        query = query.where(owner_id == int(filters.owner))
    if filters.risk:
        query = query.where(Referral.risk_level == filters.risk)
    if filters.source:
        query = query.where(Referral.source_agency == filters.source)
    if filters.marac:
        query = query.where(Referral.marac.is_(True))
    if filters.mcic:
        query = query.where(Referral.mcic.is_(True))
    return query


def _matches(row: Row, status: str) -> bool:
    return status == "all" or status in (row.state, row.contact)


def morning_list(
    user, filters: Filters, *, now: datetime, calendar: WorkingCalendar, names: bool = False
) -> MorningList:
    """The list as it stands at `now`, filtered, with the counts left in each state (before
    the status filter, so the counts say what the other filters leave). `names`: load each
    case's own record of its people too (one more statement, whatever the rows), for the
    print view and CSV the morning meeting works from (docs/screening.md)."""
    query = _query(user, filters)
    if names:
        query = query.options(selectinload(Referral.people_details))
    rows = [
        Row(
            referral=referral,
            state=due_state(referral.offer_due_at, now, calendar),
            due_text=due_text(referral.offer_due_at, now, calendar),
            attempts=int(count),
            owner_id=owner_id,
            owner_name=owner_name,
        )
        for referral, count, owner_id, owner_name in db.session.execute(query)
    ]
    counts = {code: sum(1 for r in rows if code in (r.state, r.contact)) for code in COUNTED}
    shown = [r for r in rows if _matches(r, filters.status)]
    return MorningList(rows=shown, counts=counts, as_of=now)


def record_export(kind: str, filters: Filters, count: int, *, actor: Actor, now: datetime) -> None:
    """Audit a print or CSV of the list: the filter (codes), the count and that it carried
    the victims' and perpetrators' names (the event itself never holds one)."""
    action = {"print": "screening.list.print", "csv": "screening.list.export"}[kind]
    audit.record(
        action,
        actor,
        object_type="screening_list",
        object_id=None,
        details={"filters": filters.codes(), "count": count, "names": True},
        now=now,
    )
