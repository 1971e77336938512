"""What intake reads before it decides anything: the active rule set and the working calendar
(the configured hours plus the closure days an administrator entered), in ONE statement.

    reference = reference_data.current(settings.calendar)
    reference.ruleset, reference.calendar

Both are read fresh on every call, never kept between requests by value: an activation or a
closure day committed by another process is seen by the very next request anywhere, with no
version counter to keep in step and nothing to invalidate. What is cached is only the pure
work on what was read: the parsed rule set by (version, hash of its text)
(`rulesets.parsed`) and the calendar by (settings, closure days). The rule set's text (about
10 kB) comes back with the row; on a local socket that costs far less than the second round
trip it replaces (`docs/performance.md`, Intake).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from sqlalchemy import String, cast, func, select

from triage.extensions import db
from triage.models import ClosureDay, RuleSetVersion
from triage.rules import RuleSet, default_ruleset
from triage.services.rulesets import parsed
from triage.settings import CalendarSettings
from triage.workdays import WorkingCalendar


@dataclass(frozen=True)
class Reference:
    ruleset: RuleSet
    calendar: WorkingCalendar


def current(settings: CalendarSettings) -> Reference:
    """The active rule set (the packaged default when none is stored) and today's calendar."""
    version, source, days = db.session.execute(_STATEMENT).one()
    ruleset = default_ruleset() if version is None else parsed(version, source)
    return Reference(ruleset, _calendar(settings, days or ""))


def _active(column):
    return (
        select(column)
        .where(RuleSetVersion.active.is_(True))
        .order_by(RuleSetVersion.id.desc())
        .limit(1)
        .scalar_subquery()
    )


# Three scalar subqueries, one round trip. The closure days come as one comma-separated
# string of ISO dates ("2026-12-24,2026-12-31"), the same on SQLite and PostgreSQL.
_STATEMENT = select(
    _active(RuleSetVersion.version),
    _active(RuleSetVersion.source),
    select(func.aggregate_strings(cast(ClosureDay.day, String), ","))
    .where(ClosureDay.day.is_not(None))
    .scalar_subquery(),
)


@lru_cache(maxsize=64)
def _calendar(settings: CalendarSettings, days: str) -> WorkingCalendar:
    closures = sorted({date.fromisoformat(day) for day in days.split(",") if day})
    return WorkingCalendar.from_settings(
        timezone=settings.timezone,
        close_of_business=settings.close_of_business,
        opening_time=settings.opening_time,
        closures=closures,
    )
