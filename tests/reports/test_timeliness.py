"""The S2S timeliness report against the hand-computed fixture (tests/reports/fixtures.py)."""

from __future__ import annotations

from datetime import datetime

from tests.reports import fixtures as fx
from triage.extensions import db
from triage.services.reports.timeliness import timeliness_report


def _report(as_of=fx.AS_OF, settings=fx.SETTINGS):
    return timeliness_report(db.session, fx.PERIOD, as_of=as_of, settings=settings)


def test_totals_match_the_hand_computed_figures(app_ctx):
    fx.build()
    body = _report().to_json()
    for key, expected in fx.TOTALS.items():
        assert body[key] == expected, key
    assert body["from"] == "2026-03-23" and body["to"] == "2026-04-05"


def test_breakdowns_by_source_week_and_risk(app_ctx):
    fx.build()
    body = _report().to_json()
    assert body["by_source"] == fx.BY_SOURCE
    assert body["by_week"] == fx.BY_WEEK
    assert body["by_risk"]["high"] == fx.BY_RISK_HIGH
    assert body["by_mcic"]["mcic"]["referrals"] == 1  # C
    assert body["by_mcic"]["not_mcic"]["referrals"] == 6


def test_overdue_list_holds_references_and_ages_only(app_ctx):
    refs = fx.build()
    report = _report()
    assert [(o.reference, o.age_working_hours) for o in report.overdue] == [
        (refs[letter].reference, age) for letter, age in fx.OVERDUE
    ]


def test_histogram_of_working_hours(app_ctx):
    fx.build()
    histogram = dict(_report().histogram)
    assert {k: v for k, v in histogram.items() if v} == fx.HISTOGRAM
    assert sum(histogram.values()) == 4


def test_stored_working_hours_are_read_not_recomputed(app_ctx):
    """A later calendar change does not rewrite the report: it reads the hours stored with
    the first offer (the referral's contact summary), as recorded."""
    refs = fx.build()
    refs["A"].first_offer_hours = 1.0
    db.session.flush()
    body = _report().to_json()
    # 1 9 14 16: median 11.5, p90 = 14 + 0.7 * 2
    assert body["working_hours_to_offer"] == {"median": 11.5, "p90": 15.4}
    assert body["by_source"]["police"]["working_hours_to_offer"]["median"] == 7.5


def test_as_of_before_a_due_time_counts_neither_due_nor_overdue(app_ctx):
    """At Tue 7 Apr 12:00 BST: E and C are not yet due, C's offer is not yet made."""
    fx.build()
    body = _report(as_of=fx.london(2026, 4, 7, 12, 0)).to_json()
    assert body["referrals"] == 7
    assert body["due"] == 5  # A B D H I
    assert body["offers_made"] == 3  # A B I
    assert body["overdue_now"] == 1  # D
    assert body["on_time_pct"] == 40.0


def test_a_referral_received_after_as_of_is_not_counted(app_ctx):
    fx.build()
    body = _report(as_of=datetime(2026, 3, 24, 0, 0, tzinfo=fx.LONDON)).to_json()
    assert body["referrals"] == 1  # A only
    assert body["due"] == 0 and body["on_time_pct"] is None
