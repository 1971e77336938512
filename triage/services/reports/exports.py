"""A report's tables written as CSV or XLSX, marked OFFICIAL-SENSITIVE, carrying its filters,
the definitions' version and the generation time; and the audit event of each export.

Cells that a spreadsheet would run as a formula (starting with = + - @, or a tab or carriage
return) are neutralised with a leading apostrophe, in both formats."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from openpyxl import Workbook
from openpyxl.styles import Font

from triage.services import audit
from triage.services.actor import Actor
from triage.services.reports.definitions import DEFINITIONS_VERSION
from triage.services.reports.tables import Cell, ReportTables

MARKING = "OFFICIAL-SENSITIVE"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Cell) -> Cell:
    if isinstance(cell, str) and cell.startswith(_FORMULA_STARTS):
        return "'" + cell
    return cell


def preamble(tables: ReportTables) -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        [MARKING],
        ["Report", tables.title],
        *([label, value] for label, value in tables.filters),
        ["Definitions version", tables.version],
        ["Generated at", tables.generated_at.isoformat(timespec="seconds")],
        [
            "Suppression",
            f"Counts from 1 to {tables.suppress_below - 1} are shown as <{tables.suppress_below}",
        ]
        if tables.suppress_below > 1
        else ["Suppression", "none"],
    ]
    return rows


def rows(tables: ReportTables) -> list[list[Cell]]:
    """Every row of the file, in order: the preamble, then each table under its title."""
    out = preamble(tables)
    for table in tables.tables:
        out += [[], [table.title], list(table.header), *table.rows]
    out += [[], [MARKING]]
    return out


def to_csv(tables: ReportTables) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows(tables):
        writer.writerow(["" if c is None else neutralise(c) for c in row])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM makes Excel read UTF-8


def to_xlsx(tables: ReportTables) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = tables.name[:31]
    bold = Font(bold=True)
    for row in rows(tables):
        sheet.append([neutralise(c) for c in row])
        if len(row) == 1 and row[0]:
            sheet.cell(row=sheet.max_row, column=1).font = bold
    # No formula ever: store every text cell as text, whatever it starts with.
    for line in sheet.iter_rows():
        for cell in line:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    sheet.oddHeader.center.text = MARKING
    sheet.oddFooter.center.text = MARKING
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(tables: ReportTables, fmt: str) -> bytes:
    if fmt == "csv":
        return to_csv(tables)
    if fmt == "xlsx":
        return to_xlsx(tables)
    raise ValueError(f"unknown export format {fmt!r}")


def filename(tables: ReportTables, fmt: str) -> str:
    dates = "_".join(v for k, v in tables.filters if k in ("From", "To", "Quarter"))
    return f"{tables.name}_{dates}.{fmt}".replace(":", "")


def record_export(
    tables: ReportTables, fmt: str, *, actor: Actor, now: datetime, via: str = "download"
) -> None:
    """Audit one export of a built report: which report, which filters, which format."""
    filters = {k.lower().replace(" ", "_"): v for k, v in tables.filters}
    _audit(tables.name, filters, fmt, via=via, actor=actor, now=now)


def record_request(
    name: str, params: dict[str, str], fmt: str, *, via: str, actor: Actor, now: datetime
) -> None:
    """Audit an export handed over before its tables exist: JSON to an API client, or a
    file a worker is asked to prepare (`via` = "api" or "job")."""
    _audit(name, dict(params), fmt, via=via, actor=actor, now=now)


def _audit(
    name: str, filters: dict[str, str], fmt: str, *, via: str, actor: Actor, now: datetime
) -> None:
    audit.record(
        "report.export",
        actor,
        object_type="report",
        object_id=name,
        details={
            "format": fmt,
            "filters": filters,
            "definitions_version": DEFINITIONS_VERSION,
            "via": via,
        },
        now=now,
    )
