"""Reading the report files back, for the tests that compare them with the page."""

from __future__ import annotations

import csv
import io

import openpyxl


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(body: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [["" if c is None else c for c in row] for row in sheet.iter_rows(values_only=True)]


def file_rows(body: bytes, fmt: str) -> list[list]:
    return csv_rows(body) if fmt == "csv" else xlsx_rows(body)


def section(rows: list[list], title: str) -> list[list]:
    """The data rows of the table titled `title` (below its header row)."""
    start = next(i for i, row in enumerate(rows) if row and row[0] == title)
    end = next((i for i in range(start + 1, len(rows)) if not any(rows[i])), len(rows))
    return rows[start + 2 : end]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def page_cell(page: str, label: str) -> str | None:
    """The cell beside the row header `label` in the page's HTML, unescaped."""
    import html
    import re

    found = re.search(
        rf"{re.escape(html.escape(label, quote=False))}</th>\s*<td[^>]*>([^<]*)<", page
    )
    return html.unescape(found.group(1)) if found else None


def same(file_value, page_text: str | None) -> bool:
    """A file cell shows what the page shows (XLSX gives numbers back as numbers)."""
    if isinstance(file_value, int | float) and page_text not in (None, "", "<5"):
        return float(file_value) == float(page_text)
    return str(file_value) == page_text
