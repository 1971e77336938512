"""A report as titled tables of cells, with small numbers suppressed: the one shape that the
page, the CSV and the XLSX are all written from, so that they always agree."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from triage.models.referral import SOURCE_AGENCIES
from triage.services.reports import suppression
from triage.services.reports.definitions import (
    DEFINITIONS_VERSION,
    LATENESS_REASONS,
    MARAC_CRITERIA,
)
from triage.services.reports.marac_performance import MaracReport
from triage.services.reports.safelives_return import DECLINABLE as SAFELIVES_DECLINABLE
from triage.services.reports.safelives_return import FIELDS as SAFELIVES_FIELDS
from triage.services.reports.safelives_return import SafeLivesReturn
from triage.services.reports.timeliness import MCIC_LABELS, Figures, TimelinessReport

Cell = str | int | float | None
RISK_LABELS = {"high": "High", "medium": "Medium", "standard": "Standard"}
BREAKDOWN_TITLES = {
    "source": ("By referral source", SOURCE_AGENCIES),
    "risk": ("By risk level", RISK_LABELS),
    "mcic": ("By MCIC flag", MCIC_LABELS),
    "week": ("By ISO week (London date received)", {}),
}
FIGURE_COLUMNS = [
    "Referrals",
    "Due",
    "Offers made",
    "On time",
    "On time %",
    "First attempt on time",
    "Overdue now",
    "Median working hours to offer",
    "90th percentile working hours to offer",
]


@dataclass
class Table:
    key: str
    title: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


@dataclass
class ReportTables:
    """Everything a file carries: what it is, its filters and its tables."""

    name: str
    title: str
    filters: list[tuple[str, str]]
    generated_at: datetime
    tables: list[Table]
    suppress_below: int
    version: str = DEFINITIONS_VERSION

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def figure_cells(f: Figures, below: int) -> list[Cell]:
    s = suppression
    return [
        s.count(f.referrals, below),
        s.count(f.due, below),
        s.count(f.offers_made, below),
        s.count(f.on_time, below),
        s.derived(f.on_time_pct, below, f.due, f.on_time),
        s.count(f.first_attempt_on_time, below),
        s.count(f.overdue_now, below),
        s.derived(f.median_hours, below, f.offers_made),
        s.derived(f.p90_hours, below, f.offers_made),
    ]


def timeliness_tables(
    report: TimelinessReport, *, below: int, generated_at: datetime, as_of_text: str
) -> ReportTables:
    summary = Table("summary", "Summary", ["Figure", "Value"])
    summary.rows = [
        [label, cell]
        for label, cell in zip(FIGURE_COLUMNS, figure_cells(report.totals, below), strict=True)
    ]
    reasons = Table("lateness", "Why late offers were late", ["Reason", "Late offers"])
    reasons.rows = [
        [LATENESS_REASONS.get(code, code), suppression.count(n, below)]
        for code, n in report.totals.lateness_reasons.items()
    ]
    tables = [summary, reasons]
    for name, (title, labels) in BREAKDOWN_TITLES.items():
        table = Table(f"by_{name}", title, ["Group", *FIGURE_COLUMNS])
        table.rows = [
            [labels.get(group, group), *figure_cells(figures, below)]
            for group, figures in report.breakdowns[name].items()
        ]
        tables.append(table)
    histogram = Table("histogram", "Working hours from referral to offer", ["Hours", "Offers"])
    histogram.rows = [[label, suppression.count(n, below)] for label, n in report.histogram]
    overdue = Table(
        "overdue", "Overdue now (references only)", ["Reference", "Age in working hours"]
    )
    overdue.rows = [[o.reference, o.age_working_hours] for o in report.overdue]
    tables += [histogram, overdue]
    return ReportTables(
        name="timeliness",
        title="S2S timeliness",
        filters=[
            ("From", report.period.start.isoformat()),
            ("To", report.period.end.isoformat()),
            ("As of", as_of_text),
        ],
        generated_at=generated_at,
        tables=tables,
        suppress_below=below,
        version=report.version,
    )


def marac_tables(
    report: MaracReport, *, below: int, generated_at: datetime, as_of_text: str
) -> ReportTables:
    s, t = suppression, report.totals
    summary = Table("summary", "Summary", ["Figure", "Value"])
    summary.rows = [
        ["Cases heard", s.count(t["cases"], below)],
        ["New cases", s.count(t["new"], below)],
        ["Repeat cases", s.count(t["repeats"], below)],
        ["Repeat rate %", s.derived(report.repeat_rate_pct, below, t["cases"], t["repeats"])],
        ["National repeat rate % (comparison)", report.settings.national_repeat_rate_pct],
        ["MCIC flagged cases", s.count(t["mcic"], below)],
        ["MCIC share %", s.derived(report.mcic_pct, below, t["cases"], t["mcic"])],
        ["Children in the households", s.count(t["children"], below)],
        [
            "Median working days, referral to hearing",
            s.derived(report.median_days, below, t["cases"]),
        ],
        [
            "90th percentile working days, referral to hearing",
            s.derived(report.p90_days, below, t["cases"]),
        ],
        [
            "Cases per 10,000 women (16+) a year",
            s.derived(report.per_10k_per_year, below, t["cases"]),
        ],
        ["SafeLives expected cases per 10,000 women a year", report.settings.expected_per_10k],
        ["Women aged 16 and over (population used)", report.settings.women_population],
    ]
    meetings = Table(
        "meetings",
        "Cases heard per meeting",
        ["Meeting", "Cases", "New", "Repeats", "Children", "MCIC"],
    )
    meetings.rows = [
        [
            m.day.isoformat(),
            *(s.count(v, below) for v in (m.cases, m.new, m.repeats, m.children, m.mcic)),
        ]
        for m in report.meetings
    ]
    criteria = Table("criteria", "Criteria met (a case may meet several)", ["Criterion", "Cases"])
    criteria.rows = [
        [MARAC_CRITERIA.get(code, code), s.count(n, below)] for code, n in report.criteria.items()
    ]
    return ReportTables(
        name="marac",
        title="MARAC performance",
        filters=[
            ("From", report.period.start.isoformat()),
            ("To", report.period.end.isoformat()),
            ("As of", as_of_text),
        ],
        generated_at=generated_at,
        tables=[summary, meetings, criteria],
        suppress_below=below,
        version=report.version,
    )


def safelives_tables(
    report: SafeLivesReturn, *, below: int, generated_at: datetime, as_of_text: str
) -> ReportTables:
    """One row per figure (and its "not recorded" count), one column per meeting, then the
    quarter's total: the shape of the SafeLives return."""
    columns = [*report.rows, report.total]
    table = Table("return", "SafeLives MARAC return", ["Figure", *(row.label for row in columns)])
    for key, label, recorded in SAFELIVES_FIELDS:
        table.rows.append([label, *(suppression.count(r.values[key], below) for r in columns)])
        if recorded:
            table.rows.append(
                [
                    f"{label}: not recorded",
                    *(suppression.count(r.not_recorded[key], below) for r in columns),
                ]
            )
        if key in SAFELIVES_DECLINABLE:
            table.rows.append(
                [
                    f"{label}: prefer not to say",
                    *(suppression.count(r.prefer_not_to_say[key], below) for r in columns),
                ]
            )
    return ReportTables(
        name="safelives",
        title="SafeLives quarterly MARAC return",
        filters=[
            ("Quarter", report.quarter),
            ("From", report.period.start.isoformat()),
            ("To", report.period.end.isoformat()),
            ("As of", as_of_text),
        ],
        generated_at=generated_at,
        tables=[table],
        suppress_below=below,
        version=report.version,
    )
