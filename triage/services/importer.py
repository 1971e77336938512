"""Bulk import of police notifications from CSV (layout: docs/import.md).

Every row is mapped onto the referral input (`import_rows.row_to_data`) and checked by the
one `check_referral` of the web form and the API: a rejected row leaves nothing behind,
accepted rows stay. The bulk path (`import_bulk`) checks every row first and writes the
accepted ones a few thousand at a time; the row-at-a-time path (`create_referral` in a
SAVEPOINT per row) is kept for an importer who could not see its own referrals, and as the
fallback when another import stores one of the file's police references meanwhile. A row
whose police reference is already stored is reported as "already imported" and not created
again, so importing the same file twice is harmless. The caller commits once, then passes
`report.due_action_ids` to Redis after the commit (triage.web.deadlines in a request).

The report names rows by line number and police reference only (no names), so it is safe
to show to the screener and to print in a terminal.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from triage.extensions import db
from triage.models import Referral
from triage.rules import RuleSet
from triage.services import audit, import_bulk
from triage.services.actor import Actor
from triage.services.import_report import (
    AcceptedRow,
    DuplicateRow,
    ImportReport,
    RejectedRow,
    merge_problems,
)
from triage.services.import_rows import (
    PERSON_COLUMNS,
    VICTIM_COLUMNS,
    column_for,
    readable_cells,
    row_to_data,
)
from triage.services.intake_validation import IntakeInvalid
from triage.services.person_details import Viewer
from triage.services.referral_creation import create_referral
from triage.settings import Settings

# The web upload's limits; the CLI may lift them (`import-referrals --large`).
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000

__all__ = ["AcceptedRow", "DuplicateRow", "ImportRefused", "ImportReport", "RejectedRow"]

SIMPLE_COLUMNS = (
    "police_reference",
    "received_at",
    "source_agency",
    "referrer_name",
    "referrer_contact",
    "children_in_household",
    "police_callouts_12m",
    "professional_judgement",
    "professional_judgement_reason",
    "victim_needs",
    "perpetrator_management",
    "dash_completed_by",
    "dash_completed_on",
    "detail",
    "consent_basis",
)
REQUIRED_COLUMNS = (
    "police_reference",
    "received_at",
    "referrer_name",
    "victim_first_name",
    "victim_last_name",
    "consent_basis",
)


class ImportRefused(ValueError):
    """The file as a whole cannot be read (size, encoding, header): nothing was imported."""


# --------------------------------------------------------------------------- reading


def expected_columns(ruleset: RuleSet) -> list[str]:
    """Every column the layout allows, in the documented order."""
    columns = list(SIMPLE_COLUMNS[:5])
    for role in ("victim", "perpetrator"):
        columns += [f"{role}_{name}" for name in PERSON_COLUMNS]
        if role == "victim":
            columns += VICTIM_COLUMNS  # optional equality and safe-contact columns
    columns += list(SIMPLE_COLUMNS[5:])
    columns += [f"dash_{q.number}" for q in ruleset.dash_questions]
    return columns


def _decode(content: bytes, limited: bool = True) -> str:
    """The text; bytes that are not UTF-8 are kept as escapes so that only the rows holding
    them fail (`import_rows.readable_cells`). A header that is not UTF-8 fails the file."""
    if limited and len(content) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    header = content.split(b"\n", 1)[0]
    try:
        header.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            "The file is not UTF-8 text (first bad byte on line 1): "
            "save it as 'CSV UTF-8' and try again"
        ) from exc
    return content.decode("utf-8-sig", errors="surrogateescape")


def _read(text: str, ruleset: RuleSet, limited: bool = True) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-blank row; ImportRefused if unreadable."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused("The file is empty")
        names = [h.strip().lower() for h in header]
        if any("\x00" in name for name in names):
            raise ImportRefused("The header row is wrong: a column name holds a NUL character")
        allowed = set(expected_columns(ruleset))
        problems = []
        unknown = [n for n in names if n not in allowed]
        if unknown:
            problems.append("unknown columns: " + ", ".join(repr(n) for n in unknown))
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            problems.append("columns given twice: " + ", ".join(repeated))
        missing = [n for n in REQUIRED_COLUMNS if n not in names]
        if missing:
            problems.append("missing columns: " + ", ".join(missing))
        if problems:
            raise ImportRefused("The header row is wrong: " + "; ".join(problems))
        rows: list[tuple[int, dict[str, str]]] = []
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(names):
                rows.append((line, {"__width__": f"{len(record)} of {len(names)}"}))
            else:
                rows.append((line, dict(zip(names, (c.strip() for c in record), strict=True))))
            if limited and len(rows) > MAX_ROWS:
                raise ImportRefused(f"The file has more than {MAX_ROWS} rows: split it")
    except csv.Error as exc:
        raise ImportRefused(f"The file is not valid CSV (line {reader.line_num}): {exc}") from exc
    return rows


# --------------------------------------------------------------------------- the service


def import_referrals(
    content: bytes,
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
    ruleset: RuleSet | None = None,
    limited: bool = True,
    bulk: bool = True,
) -> ImportReport:
    """Import a CSV file of notifications (caller commits). ImportRefused if unreadable.
    `limited`: refuse files over MAX_BYTES / MAX_ROWS (the web upload; the CLI may lift it);
    `bulk`: use the bulk path where it applies (False: one row at a time, to compare)."""
    from triage.services.rulesets import active_ruleset

    ruleset = ruleset or active_ruleset()
    rows = _read(_decode(content, limited), ruleset, limited)
    report = ImportReport(rows=len(rows))
    viewer = Viewer.for_actor(actor)
    if bulk and import_bulk.sees_own_imports(viewer):
        savepoint = db.session.begin_nested()
        try:
            import_bulk.import_rows(
                report,
                rows,
                actor=actor,
                now=now,
                settings=settings,
                ruleset=ruleset,
                viewer=viewer,
            )
            savepoint.commit()
        except IntegrityError as exc:
            if "police_reference" not in str(exc.orig):
                raise
            # Another import stored one of these references meanwhile: row by row instead.
            savepoint.rollback()
            report = ImportReport(rows=len(rows))
        else:
            report.path, rows = "bulk", []
    seen: dict[str, int] = {}
    for line, values in rows:
        if "__width__" in values:
            report.rejected.append(
                RejectedRow(
                    line,
                    "",
                    [{"column": "row", "message": f"has {values['__width__']} columns"}],
                )
            )
            continue
        _import_row(
            report, line, values, seen, actor=actor, now=now, settings=settings, ruleset=ruleset
        )
    audit.record(
        "referral.import",
        actor,
        details={**report.counts(), "sha256": hashlib.sha256(content).hexdigest()},
        now=now,
    )
    return report


def _import_row(
    report: ImportReport,
    line: int,
    values: Mapping[str, str],
    seen: dict[str, int],
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
    ruleset: RuleSet,
) -> None:
    values, unreadable = readable_cells(values)
    police_reference = values.get("police_reference", "")
    key = police_reference.lower()
    if key and key in seen:
        report.duplicates.append(DuplicateRow(line, police_reference, None, seen[key]))
        return
    if key:
        stored = db.session.scalar(
            select(Referral.id).where(func.lower(Referral.police_reference) == key)
        )
        if stored is not None:
            seen[key] = line
            report.duplicates.append(DuplicateRow(line, police_reference, f"R{stored:06d}"))
            return
    data, converted = row_to_data(values, ruleset)
    problems = merge_problems(unreadable, converted)
    savepoint = db.session.begin_nested()
    try:
        created = create_referral(data, actor=actor, now=now, settings=settings, ruleset=ruleset)
    except IntegrityError:
        # Another import stored this police reference between our check and our insert.
        savepoint.rollback()
        stored = db.session.scalar(
            select(Referral.id).where(func.lower(Referral.police_reference) == key)
        )
        if stored is None:
            raise
        seen[key] = line
        report.duplicates.append(DuplicateRow(line, police_reference, f"R{stored:06d}"))
        return
    except IntakeInvalid as exc:
        savepoint.rollback()
        found = [{"column": column_for(e["field"]), "message": e["message"]} for e in exc.errors]
        report.rejected.append(RejectedRow(line, police_reference, merge_problems(problems, found)))
        return
    if problems:  # a value could not be read, even if intake found a way to accept the row
        savepoint.rollback()
        report.rejected.append(RejectedRow(line, police_reference, problems))
        return
    savepoint.commit()
    seen[key] = line
    referral = created.referral
    report.accepted.append(AcceptedRow(line, police_reference, referral.id, referral.reference))
    report.due_action_ids.extend(created.due_action_ids)


def report_lines(report: ImportReport) -> list[str]:
    """The report as plain text lines (for the terminal): line numbers and references only."""
    counts = report.counts()
    lines = [
        f"Rows read: {counts['rows']}; accepted: {counts['accepted']}; "
        f"already imported: {counts['already_imported']}; rejected: {counts['rejected']}"
    ]
    for row in report.accepted:
        lines.append(f"  line {row.line}: accepted {row.police_reference} as {row.reference}")
    for row in report.duplicates:
        where = row.reference or f"line {row.first_line} of this file"
        lines.append(f"  line {row.line}: {row.police_reference} already imported ({where})")
    for row in report.rejected:
        reasons = "; ".join(f"{e['column']}: {e['message']}" for e in row.errors)
        lines.append(f"  line {row.line}: REJECTED {row.police_reference or '(none)'}: {reasons}")
    return lines
