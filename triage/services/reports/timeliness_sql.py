"""The timeliness report's aggregates as ONE statement over the materialised base rows (one
per referral in the range, `timeliness._base`), so the base is computed once.

Rows: kind, grp ('dim|group'), NUMBERS numbers, a label. Kinds: counts (c), percentiles
(p), counts with percentiles (cp), lateness reasons (r), the histogram (h).
PostgreSQL groups every breakdown in one pass (GROUPING SETS, percentile_cont in the same
aggregate); SQLite has no grouping sets, so there each breakdown is a UNION ALL branch and
the percentiles are ranked with window functions (`percentiles`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CTE,
    Float,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    tuple_,
    union_all,
)

from triage.services.reports import percentiles
from triage.services.reports.definitions import HOUR_BINS

# The count columns of a "c" row, in the order they are selected.
COUNT_FIELDS = (
    "referrals",
    "due",
    "offers_made",
    "on_time",
    "first_attempt_on_time",
    "overdue_now",
)
# Numeric columns of a result row: enough for the histogram, and for counts + p50 + p90.
NUMBERS = max(len(HOUR_BINS), len(COUNT_FIELDS) + 2)


def statement(base: CTE, as_of: datetime, dialect: str, breakdowns: tuple[str, ...]):
    dims = ("everything", *breakdowns)
    if dialect == "postgresql":
        branches = _grouping_sets(base, as_of, dims)
    else:
        branches = _branches(base, as_of, dialect, dims)
    return union_all(*branches, _histogram(base))


def _row(kind: str, grp, numbers: list, label=None) -> list:
    padded = [*numbers, *([None] * (NUMBERS - len(numbers)))]
    return [
        cast(literal_column(f"'{kind}'"), String).label("kind"),
        cast(grp, String).label("grp"),
        *(cast(n if n is not None else null(), Float).label(f"v{i}") for i, n in enumerate(padded)),
        cast(label if label is not None else null(), String).label("label"),
    ]


def _counts(c, as_of: datetime) -> list:
    made = c.offer_at.is_not(None)
    return [
        func.count(),
        func.sum(case((or_(c.due_at <= as_of, made), 1), else_=0)),
        func.count(c.offer_at),
        func.sum(case((and_(made, c.offer_at <= c.due_at), 1), else_=0)),
        func.sum(case((c.first_at <= c.due_at, 1), else_=0)),
        func.sum(case((and_(c.offer_at.is_(None), c.due_at < as_of, c.open_now == 1), 1), else_=0)),
    ]


def _late(c):
    return and_(c.offer_at.is_not(None), c.offer_at > c.due_at)


def _key(base: CTE, dim: str):
    return literal_column(f"'{dim}|'").concat(base.c[dim])


def _grouping_sets(base: CTE, as_of: datetime, dims: tuple[str, ...]) -> list:
    """Counts and percentiles of every breakdown in one aggregate; reasons in another.
    `hours` is NULL without an offer made, and percentile_cont leaves NULLs out."""
    c = base.c
    key = case(
        *((func.grouping(c[d]) == 0, _key(base, d)) for d in dims[1:]),
        else_=_key(base, dims[0]),
    )
    p50, p90 = (func.percentile_cont(f).within_group(c.hours) for f in (0.5, 0.9))
    counts = select(*_row("cp", key, [*_counts(c, as_of), p50, p90])).group_by(
        func.grouping_sets(*(c[d] for d in dims))
    )
    reasons = (
        select(*_row("r", key, [func.count()], c.reason))
        .where(_late(c))
        .group_by(func.grouping_sets(*(tuple_(c[d], c.reason) for d in dims)))
    )
    return [counts, reasons]


def _branches(base: CTE, as_of: datetime, dialect: str, dims: tuple[str, ...]) -> list:
    c = base.c
    branches = []
    for dim in dims:
        branches.append(select(*_row("c", _key(base, dim), _counts(c, as_of))).group_by(c[dim]))
        branches.append(
            select(*_row("r", _key(base, dim), [func.count()], c.reason))
            .where(_late(c))
            .group_by(c[dim], c.reason)
        )
    made = c.offer_at.is_not(None)
    hours = union_all(
        *(select(_key(base, d).label("grp"), c.hours.label("value")).where(made) for d in dims)
    )
    pct = percentiles.grouped_query(dialect, select(hours.subquery("h")), (0.5, 0.9))
    pct = pct.subquery("pct")
    branches.append(select(*_row("p", pct.c.grp, [pct.c.p0, pct.c.p1])))
    return branches


def _histogram(base: CTE):
    c = base.c
    made = c.offer_at.is_not(None)
    bins = []
    for low, high in HOUR_BINS:
        inside = c.hours >= low if high is None else and_(c.hours >= low, c.hours < high)
        bins.append(func.sum(case((and_(made, inside), 1), else_=0)))
    return select(*_row("h", literal_column("'all'"), bins))
