"""Replay (shadow mode): stored referrals re-assessed under another rule set, unchanged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.services.test_rulesets import DEFAULT, variant
from triage.extensions import db
from triage.models import AuditEvent, Referral
from triage.rules import parse_ruleset
from triage.services.actor import Actor
from triage.services.referral_creation import create_referral
from triage.services.replay import ReplayRangeInvalid, london_day_bounds, replay, report_lines

NOW = datetime(2026, 6, 20, 12, 0, tzinfo=UTC)


def make_referral(received_at: datetime, n: int, **facts) -> Referral:
    data = {
        "source_agency": "police",
        "referrer_name": "PC Test",
        "received_at": received_at,
        "victim": {"first_name": f"Victim{chr(65 + n)}", "last_name": "Replay"},
        "dash_completed_by": "PC Test",
        "dash_completed_on": received_at.date(),
        "consent_basis": "consent",
        "dash": {"1": "yes"},
        **facts,
    }
    return create_referral(data, actor=Actor.system("test"), now=NOW).referral


@pytest.fixture
def stored(app_ctx):
    june = datetime(2026, 6, 10, 9, 0, tzinfo=UTC)
    return {
        "two_callouts": make_referral(june, 1, police_callouts_12m=2),
        "one_callout": make_referral(june, 2, police_callouts_12m=1),
        "three_callouts": make_referral(june, 3, police_callouts_12m=3),
        "outside_range": make_referral(
            datetime(2026, 5, 1, 9, tzinfo=UTC), 4, police_callouts_12m=2
        ),
    }


def snapshot() -> list[tuple]:
    rows = db.session.scalars(select(Referral).order_by(Referral.id)).all()
    return [
        (r.id, r.assessment, r.ruleset_version, r.risk_level, r.marac, r.updated_at) for r in rows
    ]


def test_replay_counts_changes_and_changes_nothing(stored):
    before = snapshot()
    ruleset = parse_ruleset(variant("2027.1-test", callouts=2))
    report = replay(ruleset, date(2026, 6, 1), date(2026, 6, 30), actor=Actor.system("test"))
    assert report.counts() == {
        "total": 3,
        "changed": 1,
        "changed_risk_level": 0,
        "changed_marac_criteria": 1,
        "changed_mcic": 0,
        "not_replayable": 0,
    }
    change = report.changes[0]
    assert change.reference == stored["two_callouts"].reference
    assert change.old_marac_criteria == [] and change.new_marac_criteria == ["potential_escalation"]
    assert change.old_version == DEFAULT.version
    db.session.expire_all()
    assert snapshot() == before
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "ruleset.replay"))
    assert event.details["version"] == "2027.1-test"
    assert event.details["from"] == "2026-06-01" and event.details["changed_marac_criteria"] == 1
    text = "\n".join(report_lines(report))
    assert stored["two_callouts"].reference in text
    assert "none -> potential_escalation" in text
    assert "Victim" not in text  # references only


def test_same_rule_set_changes_nothing(stored):
    report = replay(DEFAULT, date(2026, 1, 1), date(2026, 12, 31), actor=Actor.system("test"))
    assert report.total == 4 and report.changes == []


def test_risk_band_change_is_counted(stored):
    text = variant("2027.2-test").replace("  medium: 10\n", "  medium: 1\n", 1)
    ruleset = parse_ruleset(text)
    assert ruleset.risk_bands["medium"] == 1
    report = replay(ruleset, date(2026, 6, 10), date(2026, 6, 10), actor=Actor.system("test"))
    assert report.counts()["changed_risk_level"] == 3


def test_range_is_london_dates_inclusive():
    start, end = london_day_bounds(date(2026, 6, 1), date(2026, 6, 30))
    assert start == datetime(2026, 5, 31, 23, 0, tzinfo=UTC)  # BST
    assert end == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    start, end = london_day_bounds(date(2026, 1, 5), date(2026, 1, 5))
    assert (start, end - start) == (datetime(2026, 1, 5, tzinfo=UTC), timedelta(days=1))


def test_backwards_range_is_refused(app_ctx):
    with pytest.raises(ReplayRangeInvalid):
        replay(DEFAULT, date(2026, 6, 2), date(2026, 6, 1), actor=Actor.system("test"))


def test_cli_replay(app, stored, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(variant("2027.1-test", callouts=2))
    result = app.test_cli_runner().invoke(
        args=[
            "triage",
            "replay",
            "--ruleset",
            str(path),
            "--from",
            "2026-06-01",
            "--to",
            "2026-06-30",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Replayed 3 referrals" in result.output
    assert "risk level 0, MARAC criteria 1, MCIC 0" in result.output
    assert stored["two_callouts"].reference in result.output

    bad = app.test_cli_runner().invoke(
        args=[
            "triage",
            "replay",
            "--version",
            "1999.1-none",
            "--from",
            "2026-06-01",
            "--to",
            "2026-06-30",
        ]
    )
    assert bad.exit_code == 1 and "No rule set" in bad.output
