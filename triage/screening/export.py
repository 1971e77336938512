"""The morning list as CSV: an OFFICIAL-SENSITIVE line first, and every cell neutralised so
a spreadsheet never runs it as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from triage.services.screening_list import Row

MARKING = "OFFICIAL-SENSITIVE"
# A leading =, +, -, @, tab or carriage return makes a spreadsheet treat the cell as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
HEADER = [
    "Reference",
    "Victim",
    "Victim date of birth",
    "Perpetrator",
    "Received (London)",
    "Offer due (London)",
    "State",
    "Owner",
    "Attempts",
    "Risk level",
    "MCIC",
    "MARAC",
    "Repeat",
    "Source",
]


def neutralise(value: object) -> str:
    """The cell as text, prefixed with an apostrophe when it could start a formula."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def _local(instant, calendar) -> str:
    return calendar.to_local(instant).strftime("%Y-%m-%d %H:%M") if instant else ""


def render(rows: Iterable[Row], calendar) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([MARKING])
    writer.writerow(HEADER)
    for row in rows:
        r = row.referral
        victim, perpetrator = r.victim_details, r.perpetrator_details
        writer.writerow(
            neutralise(cell)
            for cell in (
                r.reference,
                victim.display_name if victim else "",
                victim.date_of_birth.isoformat() if victim and victim.date_of_birth else "",
                perpetrator.display_name if perpetrator else "",
                _local(r.received_at, calendar),
                _local(r.offer_due_at, calendar),
                row.due_text,
                row.owner_name or "Unassigned",
                row.attempts,
                r.risk_level,
                "yes" if r.mcic else "no",
                "yes" if r.marac else "no",
                "yes" if row.repeat else "no",
                row.agency,
            )
        )
    return out.getvalue()
