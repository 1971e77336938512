"""Continuous percentiles (linear interpolation, as PostgreSQL's `percentile_cont`) computed
in the database, per group, in one query.

PostgreSQL has `percentile_cont`; SQLite has none, so there the ordered values are ranked
with window functions and the two neighbours of position p*(n-1) interpolated in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, Select, case, cast, func, select
from sqlalchemy.orm import Session


def interpolate(values: list[float], fraction: float) -> float | None:
    """The same definition in Python (for the few figures not aggregated in SQL, and tests)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (position - low) * (ordered[high] - ordered[low])


def interpolate_counts(counted: dict[float, int], fraction: float) -> float | None:
    """`interpolate` over values given with their counts ({value: how many}): the same
    figure without listing each value (a histogram of whole days, say)."""
    n = sum(counted.values())
    if n == 0:
        return None
    position = fraction * (n - 1)
    low = int(position)
    ordered = sorted(counted.items())

    def at(k: int) -> float:
        seen = 0
        for value, count in ordered:
            seen += count
            if k < seen:
                return value
        return ordered[-1][0]

    below, above = at(low), at(min(low + 1, n - 1))
    return below + (position - low) * (above - below)


def grouped(
    session: Session, rows: Select, fractions: tuple[float, ...]
) -> dict[Any, tuple[float | None, ...]]:
    """`rows` selects two columns, `grp` and `value` (NULL values are ignored); the answer
    maps each group to its percentiles in the order of `fractions`."""
    query = grouped_query(session.get_bind().dialect.name, rows, fractions)
    return {row[0]: tuple(row[1:]) for row in session.execute(query)}


def grouped_query(dialect: str, rows: Select, fractions: tuple[float, ...]) -> Select:
    """The query behind `grouped`: columns `grp`, then `p0`, `p1`… (one per fraction), to be
    run alone or as part of a larger statement."""
    source = rows.subquery("pv")
    present = select(source.c.grp, source.c.value).where(source.c.value.is_not(None))
    if dialect == "postgresql":
        sub = present.subquery("v")
        return select(
            sub.c.grp,
            *(
                func.percentile_cont(f).within_group(sub.c.value).label(f"p{i}")
                for i, f in enumerate(fractions)
            ),
        ).group_by(sub.c.grp)
    return _ranked_query(present, fractions)


def _ranked_query(present: Select, fractions: tuple[float, ...]) -> Select:
    values = present.subquery("v")
    ranked = select(
        values.c.grp,
        values.c.value,
        (func.row_number().over(partition_by=values.c.grp, order_by=values.c.value) - 1).label("k"),
        func.count().over(partition_by=values.c.grp).label("n"),
    ).subquery("ranked")
    columns = []
    for i, fraction in enumerate(fractions):
        position = cast(ranked.c.n - 1, Float) * fraction
        low = cast(position, Integer)  # truncation is the floor: positions are never negative
        weight = position - low
        columns.append(
            func.sum(
                case((ranked.c.k == low, ranked.c.value * (1 - weight)), else_=0)
                + case((ranked.c.k == low + 1, ranked.c.value * weight), else_=0)
            ).label(f"p{i}")
        )
    return select(ranked.c.grp, *columns).group_by(ranked.c.grp)
