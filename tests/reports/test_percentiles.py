"""Continuous percentiles in the database (percentile_cont on PostgreSQL, ranked values on
SQLite) agree with linear interpolation done by hand, group by group."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, insert, select

from triage.extensions import db
from triage.services.reports import percentiles

VALUES = Table(
    "pct_values_test",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("grp", String(10)),
    Column("value", Float),
)


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([9, 9, 14, 16], 0.5, 11.5),
        ([9, 9, 14, 16], 0.9, 15.4),
        ([7], 0.9, 7.0),
        ([1, 2], 0.0, 1.0),
        ([1, 2], 1.0, 2.0),
        ([], 0.5, None),
    ],
)
def test_interpolate_by_hand(values, fraction, expected):
    found = percentiles.interpolate(values, fraction)
    assert found == pytest.approx(expected) if expected is not None else found is None


def test_the_database_agrees_with_interpolation(app_ctx):
    rng = random.Random(12)
    groups = {
        f"g{i}": [round(rng.uniform(0, 60), 3) for _ in range(rng.randint(1, 40))] for i in range(8)
    }
    connection = db.session.connection()
    VALUES.create(connection, checkfirst=True)  # the test transaction drops it again
    rows = [{"grp": g, "value": v} for g, vs in groups.items() for v in vs]
    connection.execute(insert(VALUES), [*rows, {"grp": "g0", "value": None}])
    query = select(VALUES.c.grp, VALUES.c.value)
    found = percentiles.grouped(db.session, query, (0.5, 0.9, 0.25))
    assert set(found) == set(groups)
    for grp, values in groups.items():
        expected = tuple(percentiles.interpolate(values, f) for f in (0.5, 0.9, 0.25))
        assert found[grp] == pytest.approx(expected), grp
