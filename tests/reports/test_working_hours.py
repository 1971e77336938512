"""Stored working hours: written with each offer, filled or refreshed by the CLI command."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.reports import fixtures as fx
from triage.extensions import db
from triage.models import AuditEvent, ClosureDay


def test_each_offer_stores_its_working_hours_when_recorded(app_ctx):
    refs = fx.build()
    assert [o.working_hours for o in refs["A"].offers] == [9.0]
    assert [o.working_hours for o in refs["C"].offers] == [3.0, 14.0]  # no contact, accepted


def test_recompute_fills_missing_values_and_refreshes_on_request(app, app_ctx):
    refs = fx.build()
    offer_a, offer_i = refs["A"].offers[0], refs["I"].offers[0]
    offer_a.working_hours = None
    # A closure day on Thu 26 March: I's offer (Wed 25 -> Fri 27) loses a working day.
    db.session.add(ClosureDay(day=date(2026, 3, 26), reason="Council closure"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["triage", "recompute-working-hours"])
    assert result.exit_code == 0, result.output
    assert "Examined 1 offers; 1 changed" in result.output
    db.session.expire_all()
    assert offer_a.working_hours == 9.0
    assert offer_i.working_hours == 16.0  # history is not rewritten without --refresh
    result = runner.invoke(args=["triage", "recompute-working-hours", "--refresh"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert offer_i.working_hours == 8.0  # 7 + 1: Thursday is closed now
    event = db.session.scalar(
        select(AuditEvent)
        .where(AuditEvent.action == "offer.working_hours.recompute")
        .order_by(AuditEvent.seq.desc())
    )
    assert event.details["refresh"] is True and event.details["changed"] >= 1
