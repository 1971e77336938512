"""The raw-SQL baselines of benchmarks/bench_reports.py: each report's figures written by hand
as plain SQL text (what one would type into psql / sqlite3), over the same tables and
columns, to be timed beside the report in the same run and checked equal to it."""

# ruff: noqa: S608  (the SQL is assembled from constants in this file; every value is bound)
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from triage.services.reports.definitions import (
    HOUR_BINS,
    MARAC_CRITERIA,
    DateRange,
    iso_week,
    local_midnight,
    week_starts,
)
from triage.workdays import WorkingCalendar

DIMS = ("source", "risk", "mcic", "week")


def _bind(value: datetime, dialect: str):
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def _week_case(period: DateRange, calendar: WorkingCalendar, dialect: str) -> tuple[str, dict]:
    mondays = week_starts(period)
    whens, binds = [], {}
    for i, monday in enumerate(mondays[:-1]):
        edge = local_midnight(monday + timedelta(days=7), calendar)
        binds[f"w{i}"] = _bind(edge, dialect)
        whens.append(f"WHEN received_at < :w{i} THEN '{iso_week(monday)}'")
    last = f"'{iso_week(mondays[-1])}'"
    return (f"CASE {' '.join(whens)} ELSE {last} END" if whens else last), binds


def _base_sql(week: str) -> str:
    return f"""
      SELECT id, received_at, offer_due_at AS due_at, source_agency AS source,
             risk_level AS risk, CASE WHEN mcic THEN 'mcic' ELSE 'not_mcic' END AS mcic,
             {week} AS week,
             CASE WHEN (closed_at IS NULL AND status <> 'closed') OR closed_at > :as_of
                  THEN 1 ELSE 0 END AS open_now,
             CASE WHEN first_offer_at <= :as_of THEN first_offer_at END AS offer_at,
             CASE WHEN first_offer_at <= :as_of THEN first_offer_hours END AS hours,
             coalesce(first_offer_late_reason, 'not_recorded') AS reason,
             CASE WHEN first_contact_at <= :as_of THEN first_contact_at END AS first_at
      FROM referrals
      WHERE received_at >= :lo AND received_at < :hi AND received_at <= :as_of"""


COUNTS = """count(*) AS n1,
  sum(CASE WHEN due_at <= :as_of OR offer_at IS NOT NULL THEN 1 ELSE 0 END) AS n2,
  count(offer_at) AS n3,
  sum(CASE WHEN offer_at <= due_at THEN 1 ELSE 0 END) AS n4,
  sum(CASE WHEN first_at <= due_at THEN 1 ELSE 0 END) AS n5,
  sum(CASE WHEN offer_at IS NULL AND due_at < :as_of AND open_now = 1 THEN 1 ELSE 0 END) AS n6"""


def _postgres(base: str) -> list[str]:
    """Counts and percentiles per grouping set in one pass; reasons; histogram; overdue."""
    grouping = "GROUPING SETS ((), (source), (risk), (mcic), (week))"
    key = "CASE WHEN grouping(source) = 0 THEN 'source|' || source " + (
        "WHEN grouping(risk) = 0 THEN 'risk|' || risk WHEN grouping(mcic) = 0 THEN 'mcic|' "
        "|| mcic WHEN grouping(week) = 0 THEN 'week|' || week ELSE 'everything|all' END"
    )
    return [
        f"WITH b AS MATERIALIZED ({base}) SELECT {key}, {COUNTS}, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY hours) FILTER (WHERE offer_at IS NOT NULL),"
        " percentile_cont(0.9) WITHIN GROUP (ORDER BY hours) FILTER (WHERE offer_at IS NOT NULL)"
        f" FROM b GROUP BY {grouping}",
        f"WITH b AS MATERIALIZED ({base}) SELECT {key}, reason, count(*) FROM b "
        f"WHERE offer_at > due_at GROUP BY GROUPING SETS ((reason), (source, reason), "
        "(risk, reason), (mcic, reason), (week, reason))",
        *_histogram_and_overdue(base),
    ]


def _histogram_and_overdue(base: str) -> list[str]:
    bins = ", ".join(
        f"sum(CASE WHEN offer_at IS NOT NULL AND hours >= {lo}"
        + (f" AND hours < {hi}" if hi is not None else "")
        + " THEN 1 ELSE 0 END)"
        for lo, hi in HOUR_BINS
    )
    return [
        f"WITH b AS ({base}) SELECT {bins} FROM b",
        f"WITH b AS ({base}) SELECT id, received_at FROM b WHERE offer_at IS NULL "
        "AND due_at < :as_of AND open_now = 1 ORDER BY received_at, id",
    ]


def _sqlite(base: str) -> list[str]:
    """No grouping sets: one GROUP BY per breakdown; percentiles by ranking."""
    statements = []
    for dim in ("'all'", *DIMS):
        label = "everything" if dim == "'all'" else dim
        statements.append(
            f"WITH b AS MATERIALIZED ({base}), v AS (SELECT {dim} AS g, hours, "
            f"row_number() OVER (PARTITION BY {dim} ORDER BY hours) - 1 AS k, "
            f"count(*) OVER (PARTITION BY {dim}) AS n FROM b WHERE offer_at IS NOT NULL "
            "AND hours IS NOT NULL), "
            "p AS (SELECT g, sum(CASE WHEN k = CAST((n - 1) * 0.5 AS INTEGER) THEN hours * "
            "(1 - ((n - 1) * 0.5 - CAST((n - 1) * 0.5 AS INTEGER))) WHEN k = "
            "CAST((n - 1) * 0.5 AS INTEGER) + 1 THEN hours * ((n - 1) * 0.5 - "
            "CAST((n - 1) * 0.5 AS INTEGER)) ELSE 0 END) AS p50, "
            "sum(CASE WHEN k = CAST((n - 1) * 0.9 AS INTEGER) THEN hours * "
            "(1 - ((n - 1) * 0.9 - CAST((n - 1) * 0.9 AS INTEGER))) WHEN k = "
            "CAST((n - 1) * 0.9 AS INTEGER) + 1 THEN hours * ((n - 1) * 0.9 - "
            "CAST((n - 1) * 0.9 AS INTEGER)) ELSE 0 END) AS p90 FROM v GROUP BY g) "
            f"SELECT '{label}|' || c.g, c.n1, c.n2, c.n3, c.n4, c.n5, c.n6, p.p50, p.p90 "
            f"FROM (SELECT {dim} AS g, {COUNTS} FROM b GROUP BY 1) c LEFT JOIN p ON p.g = c.g"
        )
    statements.append(
        f"WITH b AS MATERIALIZED ({base}) SELECT 'x|' || reason, count(*) FROM b "
        "WHERE offer_at > due_at GROUP BY reason"
    )
    return [*statements, *_histogram_and_overdue(base)]


def timeliness(
    session: Session, period: DateRange, as_of: datetime, calendar: WorkingCalendar
) -> dict[str, tuple]:
    """{'dim|group': (referrals, due, offers, on time, first attempt on time, overdue,
    median, p90)} as the raw SQL computes them (the other statements are timed, not kept)."""
    dialect = session.get_bind().dialect.name
    week, binds = _week_case(period, calendar, dialect)
    lo, hi = period.instants(calendar)
    binds |= {"lo": _bind(lo, dialect), "hi": _bind(hi, dialect), "as_of": _bind(as_of, dialect)}
    base = _base_sql(week)
    statements = _postgres(base) if dialect == "postgresql" else _sqlite(base)
    found: dict[str, tuple] = {}
    for i, statement in enumerate(statements):
        rows = session.execute(text(statement), binds).all()
        if i == 0 or (dialect == "sqlite" and i <= len(DIMS)):
            for row in rows:
                counts = tuple(int(n or 0) for n in row[1:7])
                found[row[0]] = (*counts, *(None if v is None else round(v, 2) for v in row[7:9]))
    return found


# Per meeting: the sums and each criterion's count (the stored JSON list as text). The
# waits (working days, from the calendar) have no raw-SQL counterpart and are left out.
MARAC = (
    """
  SELECT m.id, m.starts_at, count(*), sum(CASE WHEN l.is_repeat THEN 1 ELSE 0 END),
         coalesce(sum(r.children_in_household), 0),
         sum(CASE WHEN r.children_in_household > 0 THEN 1 ELSE 0 END),
         sum(CASE WHEN r.mcic THEN 1 ELSE 0 END),
         sum(CASE WHEN r.source_agency <> 'police' THEN 1 ELSE 0 END), """
    + ", ".join(
        f"sum(CASE WHEN CAST(l.criteria AS TEXT) LIKE '%\"{code}\"%' THEN 1 ELSE 0 END)"
        for code in MARAC_CRITERIA
    )
    + """
  FROM marac_listings l JOIN marac_meetings m ON m.id = l.meeting_id
  JOIN referrals r ON r.id = l.referral_id
  WHERE m.starts_at >= :lo AND m.starts_at < :hi AND m.starts_at <= :as_of
    AND m.status <> 'cancelled' AND l.status IN ('listed', 'heard')
  GROUP BY m.id, m.starts_at ORDER BY m.starts_at"""
)


def _declinable(flag: str, declined: str) -> str:
    said_no = f"coalesce({declined}, false) = false"
    return (
        f"sum(CASE WHEN v.{flag} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN v.{flag} IS NULL AND {said_no} THEN 1 ELSE 0 END), "
        f"sum(CASE WHEN v.{flag} IS NULL AND NOT ({said_no}) THEN 1 ELSE 0 END)"
    )


PNTS = "'prefer_not_to_say'"
# Every figure of the return, per meeting: the declinable flags' yes / not recorded / prefer
# not to say, and the ages on the meeting's London day ({day}: the dialect's expression).
SAFELIVES = (
    """
  SELECT m.id, count(*), sum(CASE WHEN l.is_repeat THEN 1 ELSE 0 END),
         coalesce(sum(r.children_in_household), 0),
         sum(CASE WHEN r.source_agency <> 'police' THEN 1 ELSE 0 END), """
    + ", ".join(
        (
            _declinable("racially_minoritised", f"v.ethnicity = {PNTS}"),
            _declinable("lgbt", f"(v.sexual_orientation = {PNTS} OR v.trans = {PNTS})"),
            _declinable("disabled", f"v.disability = {PNTS}"),
        )
    )
    + """,
         sum(CASE WHEN v.gender = 'male' THEN 1 ELSE 0 END),
         sum(CASE WHEN v.gender IS NULL THEN 1 ELSE 0 END),
         sum(CASE WHEN v.date_of_birth > {born18} AND v.date_of_birth <= {born16}
                  THEN 1 ELSE 0 END),
         sum(CASE WHEN v.date_of_birth IS NULL THEN 1 ELSE 0 END),
         sum(CASE WHEN p.date_of_birth > {born18} THEN 1 ELSE 0 END),
         sum(CASE WHEN p.date_of_birth IS NULL THEN 1 ELSE 0 END)
  FROM marac_listings l JOIN marac_meetings m ON m.id = l.meeting_id
  JOIN referrals r ON r.id = l.referral_id
  LEFT JOIN person_details v ON v.referral_id = r.id AND v.role = 'victim'
  LEFT JOIN person_details p ON p.referral_id = r.id AND p.role = 'perpetrator'
  WHERE m.starts_at >= :lo AND m.starts_at < :hi AND m.starts_at <= :as_of
    AND m.status <> 'cancelled' AND l.status IN ('listed', 'heard')
  GROUP BY m.id ORDER BY m.starts_at"""
)
BORN = {
    "postgresql": "CAST(CAST(m.starts_at AT TIME ZONE 'Europe/London' AS date) "
    "- interval '{n} years' AS date)",
    # Meetings are in office hours, when the UTC date is the London date.
    "sqlite": "date(m.starts_at, '-{n} years')",
}


def safelives(session: Session, period: DateRange, as_of: datetime, calendar) -> list:
    born = BORN[session.get_bind().dialect.name]
    sql = SAFELIVES.format(born18=born.format(n=18), born16=born.format(n=16))
    return meetings(session, sql, period, as_of, calendar)


def meetings(session: Session, sql: str, period: DateRange, as_of: datetime, calendar) -> list:
    dialect = session.get_bind().dialect.name
    lo, hi = period.instants(calendar)
    binds = {"lo": _bind(lo, dialect), "hi": _bind(hi, dialect), "as_of": _bind(as_of, dialect)}
    return [tuple(row) for row in session.execute(text(sql), binds)]
