"""The MARAC performance report: for meetings held in a range (London dates of the meeting),
the cases heard, new against repeat, time from referral to hearing in working days, the
criteria mix, MCIC share, children, and the rate per 10,000 women against SafeLives'
expected level and the national repeat rate (docs/reports.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    CTE,
    Text,
    case,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from triage.models import MaracListing, MaracMeeting, Referral
from triage.services.reports import percentiles
from triage.services.reports.definitions import (
    DEFINITIONS_VERSION,
    MARAC_CRITERIA,
    DateRange,
    ReportSettings,
)
from triage.services.reports.local_days import local_date_sql
from triage.services.reports.rounding import half_up, pct

COUNTED = ("listed", "heard")  # a moved listing counts at the meeting it moved to
MAX_WAIT_DAYS = 3 * 366  # referrals older than this before their hearing are left out


@dataclass
class MeetingFigures:
    meeting_id: int
    day: date
    cases: int
    repeats: int
    children: int
    households_with_children: int
    mcic: int
    not_police: int

    @property
    def new(self) -> int:
        return self.cases - self.repeats


@dataclass
class MaracReport:
    period: DateRange
    as_of: datetime
    settings: ReportSettings
    meetings: list[MeetingFigures]
    criteria: dict[str, int]
    median_days: float | None
    p90_days: float | None
    version: str = DEFINITIONS_VERSION
    totals: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        keys = ("cases", "repeats", "children", "households_with_children", "mcic")
        self.totals = {k: sum(getattr(m, k) for m in self.meetings) for k in keys}
        self.totals["new"] = self.totals["cases"] - self.totals["repeats"]

    @property
    def repeat_rate_pct(self) -> float | None:
        return pct(self.totals["repeats"], self.totals["cases"])

    @property
    def mcic_pct(self) -> float | None:
        return pct(self.totals["mcic"], self.totals["cases"])

    @property
    def per_10k_per_year(self) -> float | None:
        """Cases per 10,000 women aged 16+, scaled to a 365-day year."""
        if not self.settings.women_population:
            return None
        per_year = self.totals["cases"] * 365 / self.period.days
        return half_up(per_year * 10_000 / self.settings.women_population, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "definitions_version": self.version,
            "meetings": [
                {
                    "date": m.day.isoformat(),
                    "cases": m.cases,
                    "new": m.new,
                    "repeats": m.repeats,
                    "children": m.children,
                    "mcic": m.mcic,
                }
                for m in self.meetings
            ],
            "cases": self.totals["cases"],
            "new": self.totals["new"],
            "repeats": self.totals["repeats"],
            "repeat_rate_pct": self.repeat_rate_pct,
            "referral_to_hearing_working_days": {
                "median": self.median_days,
                "p90": self.p90_days,
            },
            "criteria": dict(self.criteria),
            "mcic": self.totals["mcic"],
            "mcic_pct": self.mcic_pct,
            "children": self.totals["children"],
            "cases_per_10k_women_per_year": self.per_10k_per_year,
            "comparison": {
                "women_population": self.settings.women_population,
                "expected_per_10k_women_per_year": self.settings.expected_per_10k,
                "national_repeat_rate_pct": self.settings.national_repeat_rate_pct,
            },
        }


def heard_cases(period: DateRange, as_of: datetime, settings: ReportSettings) -> CTE:
    """One row per case heard: listings that took a place at a meeting held in the range
    (London date of the meeting, started by `as_of`, not cancelled)."""
    lo, hi = period.instants(settings.calendar)
    return (
        select(
            MaracListing.id.label("listing_id"),
            MaracListing.criteria,
            MaracListing.is_repeat,
            MaracMeeting.id.label("meeting_id"),
            MaracMeeting.starts_at,
            Referral.received_at,
            Referral.children_in_household.label("children"),
            Referral.mcic,
            Referral.source_agency,
            Referral.id.label("referral_id"),
            Referral.victim_id,
            Referral.perpetrator_id,
        )
        .select_from(MaracListing)
        .join(MaracMeeting, MaracMeeting.id == MaracListing.meeting_id)
        .join(Referral, Referral.id == MaracListing.referral_id)
        .where(
            MaracMeeting.starts_at >= lo,
            MaracMeeting.starts_at < hi,
            MaracMeeting.starts_at <= as_of,
            MaracMeeting.status != "cancelled",
            MaracListing.status.in_(COUNTED),
        )
        .cte("heard")
    )


def _flag(condition) -> Any:
    return func.sum(case((condition, 1), else_=0))


FIGURES = ("cases", "repeats", "children", "households", "mcic", "not_police")


def _counted(session: Session, cases: CTE, period: DateRange, settings: ReportSettings):
    """Every figure in ONE pass over the cases, grouped by meeting and London day received
    (a few thousand rows however many cases): the per-meeting sums, each criterion's count
    (a case may meet several: the stored JSON list, as text) and the waits all come from it."""
    c = cases.c
    first = period.start - timedelta(MAX_WAIT_DAYS)
    dialect = session.get_bind().dialect.name
    day = local_date_sql(c.received_at, dialect, settings.calendar, first, period.end)
    as_text = cast(c.criteria, Text())
    sums = (
        func.count(),
        _flag(c.is_repeat),
        func.coalesce(func.sum(c.children), 0),
        _flag(c.children > 0),
        _flag(c.mcic),
        _flag(c.source_agency.not_in(settings.police_sources)),
    )
    criteria = (_flag(as_text.like(f'%"{code}"%')) for code in MARAC_CRITERIA)
    return session.execute(
        select(c.meeting_id, c.starts_at, day.label("day"), *sums, *criteria).group_by(
            c.meeting_id, c.starts_at, day
        )
    ).all()


def _meetings(rows, settings: ReportSettings) -> list[MeetingFigures]:
    by_meeting: dict[int, list[int]] = {}
    starts: dict[int, datetime] = {}
    for row in rows:
        totals = by_meeting.setdefault(row.meeting_id, [0] * len(FIGURES))
        for i, n in enumerate(row[3 : 3 + len(FIGURES)]):
            totals[i] += int(n or 0)
        starts[row.meeting_id] = row.starts_at
    figures = [
        MeetingFigures(
            meeting_id=mid,
            day=settings.calendar.local_date(starts[mid]),
            cases=n[0],
            repeats=n[1],
            children=n[2],
            households_with_children=n[3],
            mcic=n[4],
            not_police=n[5],
        )
        for mid, n in by_meeting.items()
    ]
    return sorted(figures, key=lambda m: (starts[m.meeting_id], m.meeting_id))


def _criteria(rows) -> dict[str, int]:
    first = 3 + len(FIGURES)
    return {
        code: sum(int(row[first + i] or 0) for row in rows) for i, code in enumerate(MARAC_CRITERIA)
    }


def _waits(rows, period: DateRange, settings: ReportSettings) -> tuple[float | None, float | None]:
    """Median and p90 of working days from the referral's day to the meeting's day (the
    working days after the day received, up to and including the meeting day): the working
    days between the two days counted from the calendar, the percentiles interpolated over
    the counts (as percentile_cont would over the cases)."""
    first = period.start - timedelta(MAX_WAIT_DAYS)
    ordinal = _working_day_ordinals(first, period.end, settings)
    counted: dict[float, int] = {}
    for row in rows:
        received = _as_date(row.day)
        if received not in ordinal:
            continue  # received too long before the hearing: left out
        heard = settings.calendar.local_date(row.starts_at)
        wait = float(ordinal[heard] - ordinal[received])
        counted[wait] = counted.get(wait, 0) + int(row[3])
    median, p90 = (percentiles.interpolate_counts(counted, f) for f in (0.5, 0.9))
    return half_up(median, 2), half_up(p90, 2)


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _working_day_ordinals(first: date, last: date, settings: ReportSettings) -> dict[date, int]:
    """Every day from `first` to `last` with its working-day ordinal (the count of working
    days from `first` up to and including it): a wait is a difference of two."""
    ordinals, ordinal, day = {}, 0, first
    while day <= last:
        ordinal += settings.calendar.is_working_day(day)
        ordinals[day] = ordinal
        day += timedelta(days=1)
    return ordinals


def marac_report(
    session: Session, period: DateRange, *, as_of: datetime, settings: ReportSettings
) -> MaracReport:
    rows = _counted(session, heard_cases(period, as_of, settings), period, settings)
    median, p90 = _waits(rows, period, settings)
    return MaracReport(
        period=period,
        as_of=as_of,
        settings=settings,
        meetings=_meetings(rows, settings),
        criteria=_criteria(rows),
        median_days=median,
        p90_days=p90,
    )
