"""The charts of each report page, drawn from the same suppressed tables as the files."""

from __future__ import annotations

from markupsafe import Markup

from triage.services.reports.charts import Chart, bar_chart, line_chart
from triage.services.reports.tables import FIGURE_COLUMNS, ReportTables

ON_TIME_PCT = 1 + FIGURE_COLUMNS.index("On time %")  # column 0 is the group


def timeliness(tables: ReportTables) -> dict[str, tuple[Chart, Markup]]:
    weeks = tables.table("by_week")
    trend = Chart(
        chart_id="chart-on-time-by-week",
        title="Offers on time by ISO week (%)",
        description=(
            "Line chart: the percentage of due referrals whose support offer was made on time, "
            "for each ISO week of the date received. Gaps are weeks with no due referrals or "
            "with suppressed small numbers. The table below gives every value."
        ),
        labels=[str(row[0]) for row in weeks.rows],
        values=[row[ON_TIME_PCT] for row in weeks.rows],
        axis_label="% on time",
        max_value=100,
    )
    bins = tables.table("histogram")
    histogram = Chart(
        chart_id="chart-hours-to-offer",
        title="Working hours from referral to offer",
        description=(
            "Bar chart: how many offers were made after each band of working hours "
            "(09:00 to 17:00 London on working days) from the referral. Suppressed small "
            "numbers are not drawn. The table below gives every value."
        ),
        labels=[str(row[0]) for row in bins.rows],
        values=[row[1] for row in bins.rows],
        axis_label="Offers",
    )
    return {
        "trend": (trend, line_chart(trend)),
        "histogram": (histogram, bar_chart(histogram)),
    }


def marac(tables: ReportTables) -> dict[str, tuple[Chart, Markup]]:
    meetings = tables.table("meetings")
    chart = Chart(
        chart_id="chart-cases-per-meeting",
        title="Cases heard per MARAC meeting",
        description=(
            "Bar chart: the number of cases heard at each meeting held in the period. "
            "Suppressed small numbers are not drawn. The table below gives every value."
        ),
        labels=[str(row[0]) for row in meetings.rows],
        values=[row[1] for row in meetings.rows],
        axis_label="Cases",
    )
    return {"meetings": (chart, bar_chart(chart))}
