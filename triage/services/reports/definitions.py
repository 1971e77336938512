"""What each figure means (docs/reports.md), the settings a report takes, and date ranges.

Pure date logic and plain data: no Flask, no database, no clock (`today` and `as_of` are
passed in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from triage.rules import MARAC_CRITERIA  # noqa: F401  (re-exported: the criteria mix)
from triage.workdays import WorkingCalendar

# Bump when a definition changes: every page and file carries it, so a figure can be traced.
DEFINITIONS_VERSION = "2026-12-01.2"  # .2: "prefer not to say" apart from not recorded

# An offer "reached the victim" with these outcomes; any outcome counts as an attempt.
REACHED_OUTCOMES = ("accepted", "declined")
NOT_RECORDED = "not_recorded"
LATENESS_REASONS: dict[str, str] = {
    "not_contactable": "Victim not contactable after several attempts",
    "unsafe_to_contact": "Unsafe to contact",
    "referral_incomplete": "Referral incomplete",
    "other": "Other",
    NOT_RECORDED: "Not recorded",
}
# Working hours to offer, as histogram bins [low, high) (the last is open).
HOUR_BINS: tuple[tuple[float, float | None], ...] = (
    (0, 2),
    (2, 4),
    (4, 8),
    (8, 16),
    (16, 24),
    (24, 40),
    (40, None),
)
PRESETS: dict[str, str] = {
    "this_week": "This week",
    "last_month": "Last month",
    "last_quarter": "Last quarter",
    "this_financial_year": "This financial year",
    "custom": "Custom range",
}
MAX_RANGE_DAYS = 3 * 366


@dataclass(frozen=True)
class ReportSettings:
    """Everything configurable a report needs, passed in by the caller (view, job, CLI)."""

    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    suppress_below: int = 5
    women_population: int = 82_000
    expected_per_10k: float = 40.0
    national_repeat_rate_pct: float = 31.0
    police_sources: tuple[str, ...] = ("police",)


@dataclass(frozen=True)
class DateRange:
    """Inclusive London calendar dates."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("The end date must be on or after the start date")
        if (self.end - self.start).days >= MAX_RANGE_DAYS:
            raise ValueError("A report covers at most three years")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def instants(self, calendar: WorkingCalendar) -> tuple[datetime, datetime]:
        """[first instant of `start`, first instant after `end`) in UTC, London days."""
        return local_midnight(self.start, calendar), local_midnight(
            self.end + timedelta(days=1), calendar
        )


def local_midnight(day: date, calendar: WorkingCalendar) -> datetime:
    return datetime.combine(day, time(0), tzinfo=calendar.timezone).astimezone(UTC)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_starts(period: DateRange) -> list[date]:
    """The Monday of every ISO week that overlaps the range, in order."""
    monday = period.start - timedelta(days=period.start.weekday())
    weeks = []
    while monday <= period.end:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def quarter_of(day: date) -> DateRange:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    return DateRange(start, _month_end(date(day.year, first_month + 2, 1)))


def _month_end(day: date) -> date:
    following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def preset_range(preset: str, today: date) -> DateRange:
    """The range a preset names, as of `today` (a London date)."""
    if preset == "this_week":
        return DateRange(today - timedelta(days=today.weekday()), today)
    if preset == "last_month":
        end = today.replace(day=1) - timedelta(days=1)
        return DateRange(end.replace(day=1), end)
    if preset == "last_quarter":
        return quarter_of(quarter_of(today).start - timedelta(days=1))
    if preset == "this_financial_year":
        year = today.year if today.month >= 4 else today.year - 1
        return DateRange(date(year, 4, 1), today)
    raise ValueError(f"unknown preset {preset!r}")


def parse_quarter(text: str) -> DateRange:
    """'2026-Q3' -> 1 July to 30 September 2026 (calendar quarters)."""
    try:
        year_text, quarter_text = text.strip().upper().split("-Q")
        year, quarter = int(year_text), int(quarter_text)
        if not 1 <= quarter <= 4 or not 2000 <= year <= 2100:
            raise ValueError
    except ValueError as exc:
        raise ValueError("Enter a quarter written YYYY-Qn, for example 2026-Q3") from exc
    return quarter_of(date(year, 3 * quarter - 2, 1))


def quarter_label(period: DateRange) -> str:
    return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
