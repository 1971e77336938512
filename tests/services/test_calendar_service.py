"""current_calendar(): configuration + the closure days an administrator entered."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.settings_support import app_settings
from tests.workers.support import ACTOR, audit_actions
from triage.services import calendar
from triage.timeutil import utcnow

# Thursday 24 December 2026, 10:00: Christmas, Boxing Day (Saturday) and the substitute
# Monday 28 December are bank holidays, so the offer is due Tuesday 29 December, 17:00.
CHRISTMAS_EVE = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)


def test_configured_calendar_without_closures(app_ctx):
    assert calendar.current_calendar(app_settings().calendar).offer_due(CHRISTMAS_EVE) == datetime(
        2026, 12, 29, 17, 0, tzinfo=UTC
    )


def test_closure_days_move_new_deadlines(app_ctx):
    calendar.add_closure_day(date(2026, 12, 29), "Council closure", actor=ACTOR, now=utcnow())
    calendar.add_closure_day(date(2026, 12, 30), "Council closure", actor=ACTOR, now=utcnow())
    assert calendar.current_calendar(app_settings().calendar).offer_due(CHRISTMAS_EVE) == datetime(
        2026, 12, 31, 17, 0, tzinfo=UTC
    )
    assert [d.day for d in calendar.closure_days()] == [date(2026, 12, 29), date(2026, 12, 30)]
    assert len(audit_actions("closure_day.add")) == 2


def test_close_of_business_comes_from_config(app, app_ctx):
    app.config["CLOSE_OF_BUSINESS"] = "16:30"
    try:
        due = calendar.current_calendar(app_settings().calendar).offer_due(CHRISTMAS_EVE)
    finally:
        app.config["CLOSE_OF_BUSINESS"] = "17:00"
    assert due == datetime(2026, 12, 29, 16, 30, tzinfo=UTC)


def test_duplicate_and_blank_reason_are_refused(app_ctx):
    calendar.add_closure_day(date(2026, 12, 29), "Council closure", actor=ACTOR, now=utcnow())
    with pytest.raises(calendar.ClosureDayError, match="already"):
        calendar.add_closure_day(date(2026, 12, 29), "Again", actor=ACTOR, now=utcnow())
    with pytest.raises(calendar.ClosureDayError, match="reason"):
        calendar.add_closure_day(date(2026, 12, 30), "  ", actor=ACTOR, now=utcnow())


def test_removing_a_closure_day_is_audited(app_ctx):
    row = calendar.add_closure_day(date(2026, 12, 29), "Council closure", actor=ACTOR, now=utcnow())
    calendar.remove_closure_day(row.id, actor=ACTOR, now=utcnow())
    assert calendar.closure_days() == []
    assert len(audit_actions("closure_day.remove", row.id)) == 1
    with pytest.raises(calendar.ClosureDayError):
        calendar.remove_closure_day(row.id, actor=ACTOR, now=utcnow())
