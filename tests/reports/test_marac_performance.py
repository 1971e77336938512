"""The MARAC performance report against the hand-computed meetings (marac_fixtures.py)."""

from __future__ import annotations

from tests.reports import fixtures as fx
from tests.reports import marac_fixtures as mx
from triage.extensions import db
from triage.services.reports.definitions import ReportSettings
from triage.services.reports.marac_performance import marac_report


def test_figures_match_the_hand_computed_meetings(app_ctx):
    mx.build()
    body = marac_report(db.session, mx.PERIOD, as_of=mx.AS_OF, settings=fx.SETTINGS).to_json()
    assert body["meetings"] == mx.MEETINGS
    for key, expected in mx.MARAC.items():
        assert body[key] == expected, key
    assert body["comparison"] == {
        "women_population": 82_000,
        "expected_per_10k_women_per_year": 40.0,
        "national_repeat_rate_pct": 31.0,
    }


def test_comparison_values_are_configurable(app_ctx):
    mx.build()
    settings = ReportSettings(
        calendar=fx.SETTINGS.calendar, women_population=41_000, national_repeat_rate_pct=28.0
    )
    body = marac_report(db.session, mx.PERIOD, as_of=mx.AS_OF, settings=settings).to_json()
    assert body["cases_per_10k_women_per_year"] == 25.4  # 104.29 x 10,000 / 41,000
    assert body["comparison"]["national_repeat_rate_pct"] == 28.0


def test_a_meeting_after_as_of_is_not_yet_heard(app_ctx):
    mx.build()
    as_of = fx.london(2026, 4, 9, 9, 0)  # an hour before the third meeting
    body = marac_report(db.session, mx.PERIOD, as_of=as_of, settings=fx.SETTINGS).to_json()
    assert [m["date"] for m in body["meetings"]] == ["2026-03-26", "2026-04-02"]
    assert body["cases"] == 5
