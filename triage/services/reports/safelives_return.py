"""The SafeLives quarterly MARAC return: for each meeting held in a quarter, and in total,
the cases discussed, repeats, children in the households, referrals from partner agencies
other than the police, and the victims who are racially minoritised, LGBT+, disabled, male
or aged 16-17, and the perpetrators aged 17 or under (docs/reports.md).

Each equality figure comes with its "not recorded" count; the three flags derived from the
victim's equality codes (triage/equality.py) also with a "prefer not to say" count, which is
not part of "not recorded"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import CTE, Date, case, cast, func, literal, literal_column, select
from sqlalchemy.orm import Session, aliased

from triage.equality import PREFER_NOT
from triage.models import MaracMeeting, PersonDetails
from triage.services.reports.definitions import DEFINITIONS_VERSION, DateRange, ReportSettings
from triage.services.reports.marac_performance import heard_cases

# (key, label, has a "not recorded" count)
FIELDS: tuple[tuple[str, str, bool], ...] = (
    ("cases", "Cases discussed", False),
    ("repeats", "Repeat cases", False),
    ("children", "Children in the households", False),
    ("not_police", "Referrals from partner agencies other than the police", False),
    ("racially_minoritised", "Victims who are racially minoritised", True),
    ("lgbt", "Victims who are LGBT+", True),
    ("disabled", "Victims who are disabled", True),
    ("male", "Victims who are male", True),
    ("aged_16_17", "Victims aged 16-17", True),
    ("perpetrator_under_18", "Perpetrators aged 17 or under", True),
)

# The figures whose flag comes from a code that can be "prefer not to say".
DECLINABLE = ("racially_minoritised", "lgbt", "disabled")


@dataclass
class ReturnRow:
    label: str  # the meeting's London date, or "Total"
    values: dict[str, int]
    not_recorded: dict[str, int]
    prefer_not_to_say: dict[str, int]

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, _label, recorded in FIELDS:
            value = self.values[key]
            out[key] = [value, self.not_recorded[key]] if recorded else value
        out["prefer_not_to_say"] = dict(self.prefer_not_to_say)
        return out


@dataclass
class SafeLivesReturn:
    period: DateRange
    quarter: str
    as_of: datetime
    rows: list[ReturnRow]
    total: ReturnRow
    version: str = DEFINITIONS_VERSION

    def to_json(self) -> dict[str, Any]:
        return {
            "quarter": self.quarter,
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "as_of": self.as_of.isoformat(),
            "definitions_version": self.version,
            "meetings": {row.label: row.to_json() for row in self.rows},
            "total": self.total.to_json(),
        }


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _per_meeting_bound(cases: CTE, days: dict[int, date], years: int, dialect: str, zone: str):
    """The date of birth `years` before each row's meeting day, as SQL. PostgreSQL counts
    it from the meeting's London date (date arithmetic clamps 29 February to the 28th, as
    `years_before`); SQLite, whose date modifiers roll it over to 1 March, is given each
    meeting's bound (a CASE over the meetings: fine at its scale, not at thousands)."""
    if dialect == "postgresql":
        day = cast(func.timezone(zone, cases.c.starts_at), Date)
        return cast(day - literal_column(f"interval '{int(years)} years'"), Date)
    whens = [
        (cases.c.meeting_id == mid, literal(years_before(day, years), Date()))
        for mid, day in days.items()
    ]
    return case(*whens, else_=None) if whens else literal(None, Date())


def _sum(condition):
    return func.sum(case((condition, 1), else_=0))


def safelives_return(
    session: Session,
    period: DateRange,
    quarter: str,
    *,
    as_of: datetime,
    settings: ReportSettings,
) -> SafeLivesReturn:
    cases = heard_cases(period, as_of, settings)
    c = cases.c
    days = _meeting_days(session, period, as_of, settings)
    # What each heard case itself recorded about its people (docs/people.md).
    victim, perpetrator = aliased(PersonDetails), aliased(PersonDetails)
    dialect, zone = session.get_bind().dialect.name, str(settings.calendar.timezone)
    born_18 = _per_meeting_bound(cases, days, 18, dialect, zone)
    born_16 = _per_meeting_bound(cases, days, 16, dialect, zone)
    dob, pdob = victim.date_of_birth, perpetrator.date_of_birth
    columns = {
        "cases": func.count(),
        "repeats": _sum(c.is_repeat),
        "children": func.coalesce(func.sum(c.children), 0),
        "not_police": _sum(c.source_agency.not_in(settings.police_sources)),
        **_declinable(victim),
        "male": _sum(victim.gender == "male"),
        "male_nr": _sum(victim.gender.is_(None)),
        "aged_16_17": _sum((dob > born_18) & (dob <= born_16)),
        "aged_16_17_nr": _sum(dob.is_(None)),
        "perpetrator_under_18": _sum(pdob > born_18),
        "perpetrator_under_18_nr": _sum(pdob.is_(None)),
    }
    query = (
        select(c.meeting_id, *(col.label(name) for name, col in columns.items()))
        .select_from(cases)
        .outerjoin(victim, (victim.referral_id == c.referral_id) & (victim.role == "victim"))
        .outerjoin(
            perpetrator,
            (perpetrator.referral_id == c.referral_id) & (perpetrator.role == "perpetrator"),
        )
        .group_by(c.meeting_id)
    )
    found = {row.meeting_id: row._mapping for row in session.execute(query)}
    rows = [_row(days[mid].isoformat(), found[mid]) for mid in days if mid in found]
    return SafeLivesReturn(
        period=period, quarter=quarter, as_of=as_of, rows=rows, total=_total(rows)
    )


def _meeting_days(
    session: Session, period: DateRange, as_of: datetime, settings: ReportSettings
) -> dict[int, date]:
    """The meetings the cases can belong to, in order, by their London date: from the
    meetings alone (a meeting without a counted case is dropped with its empty row)."""
    lo, hi = period.instants(settings.calendar)
    rows = session.execute(
        select(MaracMeeting.id, MaracMeeting.starts_at)
        .where(
            MaracMeeting.starts_at >= lo,
            MaracMeeting.starts_at < hi,
            MaracMeeting.starts_at <= as_of,
            MaracMeeting.status != "cancelled",
        )
        .order_by(MaracMeeting.starts_at)
    )
    return {mid: settings.calendar.local_date(starts_at) for mid, starts_at in rows}


def _declinable(victim) -> dict[str, Any]:
    """Yes, not recorded (no flag and no "prefer not to say"), and "prefer not to say" (no
    flag: the code that gives it was declined) for the three derived flags."""
    declined = {
        "racially_minoritised": victim.ethnicity == PREFER_NOT,
        "lgbt": (victim.sexual_orientation == PREFER_NOT) | (victim.trans == PREFER_NOT),
        "disabled": victim.disability == PREFER_NOT,
    }
    columns: dict[str, Any] = {}
    for key in DECLINABLE:
        flag = getattr(victim, key)
        said_no = func.coalesce(declined[key], False).is_(False)
        columns[key] = _sum(flag.is_(True))
        columns[f"{key}_nr"] = _sum(flag.is_(None) & said_no)
        columns[f"{key}_pnts"] = _sum(flag.is_(None) & ~said_no)
    return columns


def _row(label: str, mapping) -> ReturnRow:
    values = {key: int(mapping[key] or 0) for key, _l, _r in FIELDS}
    not_recorded = {key: int(mapping[f"{key}_nr"] or 0) for key, _l, r in FIELDS if r}
    declined = {key: int(mapping[f"{key}_pnts"] or 0) for key in DECLINABLE}
    return ReturnRow(label, values, not_recorded, declined)


def _total(rows: list[ReturnRow]) -> ReturnRow:
    values = {key: sum(r.values[key] for r in rows) for key, _l, _r in FIELDS}
    not_recorded = {key: sum(r.not_recorded[key] for r in rows) for key, _l, rec in FIELDS if rec}
    declined = {key: sum(r.prefer_not_to_say[key] for r in rows) for key in DECLINABLE}
    return ReturnRow("Total", values, not_recorded, declined)
