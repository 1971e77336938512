"""The S2S timeliness report: for referrals received in a range (London dates), how many
got a support offer by their due time, how long it took in working hours, and why the late
ones were late. Every figure is an SQL aggregate over referrals and offers (docs/reports.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    and_,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import Session

from triage.models import Referral
from triage.models.referral import SOURCE_AGENCIES
from triage.services.reports.definitions import (
    DEFINITIONS_VERSION,
    HOUR_BINS,
    NOT_RECORDED,
    DateRange,
    ReportSettings,
    iso_week,
    local_midnight,
    week_starts,
)
from triage.services.reports.rounding import half_up, pct
from triage.services.reports.timeliness_sql import COUNT_FIELDS, NUMBERS, statement
from triage.services.reports.working_clock import WorkingClock

RISK_ORDER = ("high", "medium", "standard")
MCIC_LABELS = {"mcic": "MCIC flagged", "not_mcic": "Not MCIC flagged"}
BREAKDOWNS = ("source", "risk", "mcic", "week")
Progress = Callable[[int], None]


@dataclass
class Figures:
    referrals: int = 0
    due: int = 0
    offers_made: int = 0
    on_time: int = 0
    first_attempt_on_time: int = 0
    overdue_now: int = 0
    median_hours: float | None = None
    p90_hours: float | None = None
    lateness_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def on_time_pct(self) -> float | None:
        return pct(self.on_time, self.due)

    def to_json(self) -> dict[str, Any]:
        return {
            "referrals": self.referrals,
            "due": self.due,
            "offers_made": self.offers_made,
            "on_time": self.on_time,
            "on_time_pct": self.on_time_pct,
            "first_attempt_on_time": self.first_attempt_on_time,
            "overdue_now": self.overdue_now,
            "working_hours_to_offer": {"median": self.median_hours, "p90": self.p90_hours},
            "lateness_reasons": dict(self.lateness_reasons),
        }


@dataclass(frozen=True)
class OverdueReferral:
    """A reference (never a name) and how long it has waited, in working hours."""

    reference: str
    age_working_hours: float


@dataclass
class TimelinessReport:
    period: DateRange
    as_of: datetime
    totals: Figures
    breakdowns: dict[str, dict[str, Figures]]
    overdue: list[OverdueReferral]
    histogram: list[tuple[str, int]]
    version: str = DEFINITIONS_VERSION

    def to_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "definitions_version": self.version,
            **self.totals.to_json(),
            "overdue_list": [
                {"reference": o.reference, "age_working_hours": o.age_working_hours}
                for o in self.overdue
            ],
            "working_hours_histogram": [{"bin": label, "offers": n} for label, n in self.histogram],
        }
        for name in BREAKDOWNS:
            body[f"by_{name}"] = {k: f.to_json() for k, f in self.breakdowns[name].items()}
        return body


def timeliness_report(
    session: Session,
    period: DateRange,
    *,
    as_of: datetime,
    settings: ReportSettings,
    progress: Progress | None = None,
) -> TimelinessReport:
    """The report for referrals received on London dates `period`, as known at `as_of`."""
    step = progress or (lambda _pct: None)
    base = _base(period, as_of, settings)
    found, histogram = _figures(session, base, as_of)
    step(70)
    breakdowns = {name: _ordered(name, found[name], period) for name in BREAKDOWNS}
    report = TimelinessReport(
        period=period,
        as_of=as_of,
        totals=found["everything"].get("all", Figures()),
        breakdowns=breakdowns,
        overdue=_overdue(session, period, as_of, settings),
        histogram=histogram,
    )
    step(100)
    return report


# -- the per-referral rows everything is aggregated from --------------------------------


def _base(period: DateRange, as_of: datetime, settings: ReportSettings) -> CTE:
    """One row per referral in the range, with its first offer and first contact as of
    `as_of`, read from the referral's contact summary (kept by `offers.record_contact`):
    a range scan of ix_referrals_report_timeliness, no look-up into `offers`. The stored
    first is the first ever (earliest made_at), so the first at or before `as_of` is it
    when it is at or before `as_of`, and there is none otherwise."""
    offered = Referral.first_offer_at <= as_of
    return (
        select(
            Referral.id,
            Referral.received_at,
            Referral.offer_due_at.label("due_at"),
            literal_column("'all'").label("everything"),
            Referral.source_agency.label("source"),
            Referral.risk_level.label("risk"),
            case((Referral.mcic, "mcic"), else_="not_mcic").label("mcic"),
            _week_bucket(period, settings).label("week"),
            case((_still_open(as_of), 1), else_=0).label("open_now"),
            case((offered, Referral.first_offer_at)).label("offer_at"),
            case((offered, Referral.first_offer_hours)).label("hours"),
            func.coalesce(
                Referral.first_offer_late_reason, literal_column(f"'{NOT_RECORDED}'")
            ).label("reason"),
            case((Referral.first_contact_at <= as_of, Referral.first_contact_at)).label("first_at"),
        )
        .where(_in_range(period, as_of, settings))
        # Computed once per query, however many UNION ALL branches read it.
        .cte("base")
        .prefix_with("MATERIALIZED")
    )


def _in_range(period: DateRange, as_of: datetime, settings: ReportSettings):
    lo, hi = period.instants(settings.calendar)
    return and_(
        Referral.received_at >= lo, Referral.received_at < hi, Referral.received_at <= as_of
    )


def _still_open(as_of: datetime):
    return or_(
        and_(Referral.closed_at.is_(None), Referral.status != "closed"),
        Referral.closed_at > as_of,
    )


def _week_bucket(period: DateRange, settings: ReportSettings):
    """The ISO week (of the London date received) as SQL: one comparison per week boundary."""
    mondays = week_starts(period)
    whens = [
        (
            Referral.received_at < local_midnight(monday + timedelta(days=7), settings.calendar),
            iso_week(monday),
        )
        for monday in mondays[:-1]
    ]
    last = iso_week(mondays[-1])
    return case(*whens, else_=last) if whens else literal(last)


def _figures(
    session: Session, base: CTE, as_of: datetime
) -> tuple[dict[str, dict[str, Figures]], list[tuple[str, int]]]:
    dialect = session.get_bind().dialect.name
    found: dict[str, Figures] = {}
    reasons: list[tuple[str, str, int]] = []
    percentiles_of: dict[str, tuple] = {}
    histogram: list[tuple[str, int]] = []
    for row in session.execute(statement(base, as_of, dialect, BREAKDOWNS)):
        v = [getattr(row, f"v{i}") for i in range(NUMBERS)]
        if row.kind in ("c", "cp"):
            counts = (int(n or 0) for n in v[: len(COUNT_FIELDS)])
            found[row.grp] = Figures(**dict(zip(COUNT_FIELDS, counts, strict=True)))
            if row.kind == "cp":  # PostgreSQL: the percentiles come on the same row
                percentiles_of[row.grp] = (v[len(COUNT_FIELDS)], v[len(COUNT_FIELDS) + 1])
        elif row.kind == "r":
            reasons.append((row.grp, row.label, int(v[0])))
        elif row.kind == "p":
            percentiles_of[row.grp] = (v[0], v[1])
        else:
            histogram = [
                (bin_label(lo, hi), int(n or 0))
                for (lo, hi), n in zip(HOUR_BINS, v[: len(HOUR_BINS)], strict=True)
            ]
    for grp, (median, p90) in percentiles_of.items():
        found[grp].median_hours = half_up(median, 2)
        found[grp].p90_hours = half_up(p90, 2)
    for grp, reason, n in sorted(reasons):
        found[grp].lateness_reasons[reason] = n
    by_dim: dict[str, dict[str, Figures]] = {d: {} for d in ("everything", *BREAKDOWNS)}
    for grp, figures in found.items():
        dim, _bar, group = grp.partition("|")
        by_dim[dim][group] = figures
    return by_dim, histogram


def _ordered(name: str, found: dict[str, Figures], period: DateRange) -> dict[str, Figures]:
    """Groups in a stable, meaningful order; every week of the range, even an empty one."""
    if name == "week":
        return {w: found.get(w, Figures()) for w in map(iso_week, week_starts(period))}
    order = {"source": SOURCE_AGENCIES, "risk": RISK_ORDER, "mcic": MCIC_LABELS}[name]
    known = [k for k in order if k in found]
    return {k: found[k] for k in known + sorted(set(found) - set(known))}


def _overdue(
    session: Session, period: DateRange, as_of: datetime, settings: ReportSettings
) -> list[OverdueReferral]:
    """Its own narrow query (the same conditions as the overdue count), not a second
    materialisation of the base rows."""
    rows = session.execute(
        select(Referral.id, Referral.received_at)
        .where(
            _in_range(period, as_of, settings),
            or_(Referral.first_offer_at.is_(None), Referral.first_offer_at > as_of),
            Referral.offer_due_at < as_of,
            _still_open(as_of),
        )
        .order_by(Referral.received_at, Referral.id)
    ).all()
    if not rows:
        return []
    # Ages on one working clock: one subtraction each, not a calendar walk per referral.
    clock = WorkingClock(settings.calendar, settings.calendar.local_date(rows[0].received_at))
    now = clock.at(as_of)
    return [
        OverdueReferral(
            reference=f"R{row.id:06d}",
            age_working_hours=half_up((now - clock.at(row.received_at)).total_seconds() / 3600, 2),
        )
        for row in rows
    ]


def bin_label(low: float, high: float | None) -> str:
    return f"{low:g} to {high:g} h" if high is not None else f"{low:g} h or more"
