"""Each report by name, built from plain parameters (strings), so that a page, a file export
and a worker job build the very same report from the same filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from triage.services.reports.definitions import (
    DateRange,
    ReportSettings,
    parse_quarter,
    quarter_label,
)
from triage.services.reports.marac_performance import marac_report
from triage.services.reports.safelives_return import safelives_return
from triage.services.reports.tables import (
    ReportTables,
    marac_tables,
    safelives_tables,
    timeliness_tables,
)
from triage.services.reports.timeliness import Progress, timeliness_report

Builder = Callable[..., tuple[Any, ReportTables]]


def _period(params: dict[str, str]) -> DateRange:
    return DateRange(date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))


def _as_of_text(as_of: datetime, settings: ReportSettings) -> str:
    return settings.calendar.to_local(as_of).strftime("%Y-%m-%d %H:%M %Z")


def build_timeliness(
    session: Session,
    params: dict[str, str],
    *,
    settings: ReportSettings,
    now: datetime,
    progress: Progress | None = None,
) -> tuple[Any, ReportTables]:
    as_of = datetime.fromisoformat(params["as_of"])
    report = timeliness_report(
        session, _period(params), as_of=as_of, settings=settings, progress=progress
    )
    tables = timeliness_tables(
        report,
        below=settings.suppress_below,
        generated_at=now,
        as_of_text=_as_of_text(as_of, settings),
    )
    return report, tables


def build_marac(
    session: Session,
    params: dict[str, str],
    *,
    settings: ReportSettings,
    now: datetime,
    progress: Progress | None = None,
) -> tuple[Any, ReportTables]:
    as_of = datetime.fromisoformat(params["as_of"])
    report = marac_report(session, _period(params), as_of=as_of, settings=settings)
    if progress:
        progress(100)
    tables = marac_tables(
        report,
        below=settings.suppress_below,
        generated_at=now,
        as_of_text=_as_of_text(as_of, settings),
    )
    return report, tables


def build_safelives(
    session: Session,
    params: dict[str, str],
    *,
    settings: ReportSettings,
    now: datetime,
    progress: Progress | None = None,
) -> tuple[Any, ReportTables]:
    as_of = datetime.fromisoformat(params["as_of"])
    period = parse_quarter(params["quarter"])
    report = safelives_return(
        session, period, quarter_label(period), as_of=as_of, settings=settings
    )
    if progress:
        progress(100)
    tables = safelives_tables(
        report,
        below=settings.suppress_below,
        generated_at=now,
        as_of_text=_as_of_text(as_of, settings),
    )
    return report, tables


BUILDERS: dict[str, Builder] = {
    "timeliness": build_timeliness,
    "marac": build_marac,
    "safelives": build_safelives,
}


def build(
    name: str,
    session: Session,
    params: dict[str, str],
    *,
    settings: ReportSettings,
    now: datetime,
    progress: Progress | None = None,
) -> tuple[Any, ReportTables]:
    """Raises KeyError for an unknown report, ValueError for bad parameters."""
    return BUILDERS[name](session, params, settings=settings, now=now, progress=progress)
