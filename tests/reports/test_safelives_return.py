"""The SafeLives quarterly return against the hand-computed meetings (marac_fixtures.py)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.reports import fixtures as fx
from tests.reports import marac_fixtures as mx
from triage.extensions import db
from triage.services.reports.safelives_return import safelives_return, years_before


def _as_pairs(values: dict) -> dict:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def test_meeting_by_meeting_and_total(app_ctx):
    mx.build()
    body = safelives_return(
        db.session, mx.PERIOD, "custom", as_of=mx.AS_OF, settings=fx.SETTINGS
    ).to_json()
    got = {day: _as_pairs(v) for day, v in body["meetings"].items()}
    got["total"] = _as_pairs(body["total"])
    assert got == mx.RETURN


@pytest.mark.parametrize(
    ("day", "years", "expected"),
    [
        (date(2026, 4, 2), 16, date(2010, 4, 2)),
        (date(2028, 2, 29), 18, date(2010, 2, 28)),
        (date(2026, 3, 1), 18, date(2008, 3, 1)),
    ],
)
def test_years_before(day, years, expected):
    assert years_before(day, years) == expected
