"""Bulk import of police notifications from CSV (layout: docs/import.md).

Every row goes through `referral_creation.create_referral`, exactly like the web form and the API,
inside its own SAVEPOINT: a rejected row leaves nothing behind, accepted rows stay. A row
whose police reference is already stored is reported as "already imported" and not created
again, so importing the same file twice is harmless. The caller commits once, then passes
`report.due_action_ids` to `scheduling.enqueue`.

The report names rows by line number and police reference only (no names), so it is safe
to show to the screener and to print in a terminal.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from triage.extensions import db
from triage.models import Referral
from triage.rules import RuleSet
from triage.services import audit
from triage.services.actor import Actor
from triage.services.intake_validation import IntakeInvalid
from triage.services.referral_creation import create_referral

LONDON = ZoneInfo("Europe/London")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5_000

PERSON_COLUMNS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "dob": "date_of_birth",
    "postcode": "postcode",
    "gender": "gender",
    "address": "address",
}
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
DASH_ANSWERS = {
    "y": "yes",
    "yes": "yes",
    "n": "no",
    "no": "no",
    "dk": "dont_know",
    "dont_know": "dont_know",
    "don't know": "dont_know",
    "na": "not_asked",
    "not_asked": "not_asked",
    "not asked": "not_asked",
}
TRUE_WORDS = {"y", "yes", "true", "1"}
FALSE_WORDS = {"n", "no", "false", "0"}
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_LOCAL_TIME = re.compile(r"^(\S+)[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


class ImportRefused(ValueError):
    """The file as a whole cannot be read (size, encoding, header): nothing was imported."""


@dataclass(frozen=True)
class AcceptedRow:
    line: int
    police_reference: str
    referral_id: int
    reference: str


@dataclass(frozen=True)
class DuplicateRow:
    line: int
    police_reference: str
    reference: str | None  # the stored referral, or None when repeated within this file
    first_line: int | None = None


@dataclass(frozen=True)
class RejectedRow:
    line: int
    police_reference: str
    errors: list[dict[str, str]]  # {"column", "message"}


@dataclass
class ImportReport:
    rows: int = 0
    accepted: list[AcceptedRow] = field(default_factory=list)
    duplicates: list[DuplicateRow] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    due_action_ids: list[int] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "accepted": len(self.accepted),
            "already_imported": len(self.duplicates),
            "rejected": len(self.rejected),
        }


# --------------------------------------------------------------------------- reading


def expected_columns(ruleset: RuleSet) -> list[str]:
    """Every column the layout allows, in the documented order."""
    columns = list(SIMPLE_COLUMNS[:5])
    for role in ("victim", "perpetrator"):
        columns += [f"{role}_{name}" for name in PERSON_COLUMNS]
    columns += list(SIMPLE_COLUMNS[5:])
    columns += [f"dash_{q.number}" for q in ruleset.dash_questions]
    return columns


def _decode(content: bytes) -> str:
    if len(content) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise ImportRefused(
            f"The file is not UTF-8 text (first bad byte on line {line}): "
            "save it as 'CSV UTF-8' and try again"
        ) from exc


def _read(text: str, ruleset: RuleSet) -> list[tuple[int, dict[str, str]]]:
    """(line number, {column: value}) for each non-blank row; ImportRefused if unreadable."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRefused("The file is empty")
        names = [h.strip().lower() for h in header]
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
            if len(rows) > MAX_ROWS:
                raise ImportRefused(f"The file has more than {MAX_ROWS} rows: split it")
    except csv.Error as exc:
        raise ImportRefused(f"The file is not valid CSV (line {reader.line_num}): {exc}") from exc
    return rows


# --------------------------------------------------------------------------- one row


class _Row:
    def __init__(self, values: Mapping[str, str]) -> None:
        self.values = values
        self.errors: list[dict[str, str]] = []

    def error(self, column: str, message: str) -> None:
        self.errors.append({"column": column, "message": message})

    def get(self, column: str) -> str:
        return self.values.get(column, "")

    def date(self, column: str) -> date | str | None:
        raw = self.get(column)
        if not raw:
            return None
        value = self.date_text(raw)
        if value is None:
            self.error(column, "must be a real date, as YYYY-MM-DD or DD/MM/YYYY")
            return raw
        return value

    def moment(self, column: str) -> datetime | str | None:
        """ISO 8601 with an offset, or a London local time 'YYYY-MM-DD HH:MM'."""
        raw = self.get(column)
        if not raw:
            return None
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if value.tzinfo is not None:
                return value
        except ValueError:
            pass
        match = _LOCAL_TIME.match(raw)
        if match:
            day = self.date_text(match.group(1))
            hour, minute = int(match.group(2)), int(match.group(3))
            second = int(match.group(4) or 0)
            if day is not None and hour < 24 and minute < 60 and second < 60:
                return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=LONDON)
        self.error(
            column,
            "must be a date and time, as 2026-05-03 09:30 (London time) "
            "or 2026-05-03T09:30:00+01:00",
        )
        return raw

    @staticmethod
    def date_text(raw: str) -> date | None:
        match = _UK_DATE.match(raw)
        try:
            if match:
                day, month, year = (int(g) for g in match.groups())
                return date(year, month, day)
            return date.fromisoformat(raw)
        except ValueError:
            return None

    def whole(self, column: str) -> int | str | None:
        raw = self.get(column)
        if not raw:
            return None
        if raw.isdigit():
            return int(raw)
        self.error(column, "must be a whole number, 0 or more")
        return raw

    def flag(self, column: str) -> bool | str | None:
        raw = self.get(column).lower()
        if not raw:
            return None
        if raw in TRUE_WORDS:
            return True
        if raw in FALSE_WORDS:
            return False
        self.error(column, "must be Y or N")
        return raw

    def codes(self, column: str) -> list[str]:
        return [c.strip().lower() for c in self.get(column).split(";") if c.strip()]


def _person(row: _Row, role: str) -> dict[str, Any] | None:
    person: dict[str, Any] = {}
    for column, key in PERSON_COLUMNS.items():
        name = f"{role}_{column}"
        if column == "dob":
            person[key] = row.date(name)
        elif column == "gender":
            person[key] = row.get(name).lower() or None
        else:
            person[key] = row.get(name) or None
    if role == "perpetrator" and all(v is None for v in person.values()):
        return None
    return person


def row_to_data(values: Mapping[str, str], ruleset: RuleSet) -> tuple[dict[str, Any], list]:
    """The intake data for one CSV row, and the problems found converting it."""
    row = _Row(values)
    dash: dict[str, str] = {}
    for question in ruleset.dash_questions:
        column = f"dash_{question.number}"
        raw = row.get(column).lower()
        if not raw:
            continue
        if raw in DASH_ANSWERS:
            dash[str(question.number)] = DASH_ANSWERS[raw]
        else:
            row.error(column, "must be Y, N, DK or NA (or yes, no, dont_know, not_asked)")
    data: dict[str, Any] = {
        "source_agency": row.get("source_agency").lower() or "police",
        "referrer_name": row.get("referrer_name"),
        "referrer_contact": row.get("referrer_contact") or None,
        "police_reference": row.get("police_reference"),
        "received_at": row.moment("received_at"),
        "victim": _person(row, "victim"),
        "perpetrator": _person(row, "perpetrator"),
        "children_in_household": row.whole("children_in_household") or 0,
        "dash": dash,
        "dash_completed_by": row.get("dash_completed_by") or None,
        "dash_completed_on": row.date("dash_completed_on"),
        # An unreadable Y/N is reported above; it must not also demand a reason.
        "professional_judgement": row.flag("professional_judgement") is True,
        "professional_judgement_reason": row.get("professional_judgement_reason"),
        "victim_needs": row.codes("victim_needs"),
        "perpetrator_management": row.codes("perpetrator_management"),
        "detail": row.get("detail") or None,
        "consent_basis": row.get("consent_basis").lower(),
    }
    callouts = row.whole("police_callouts_12m")
    if callouts is not None:
        data["police_callouts_12m"] = callouts
    if not data["police_reference"]:
        row.error("police_reference", "is required: it is how a re-import is recognised")
    return data, row.errors


_INDEX = re.compile(r"\[\d+\]$")


def column_for(field_name: str) -> str:
    """The CSV column an intake error is about ('victim.date_of_birth' -> 'victim_dob')."""
    name = _INDEX.sub("", field_name)
    for role in ("victim", "perpetrator"):
        if name.startswith(role + "."):
            key = name.split(".", 1)[1]
            column = {v: k for k, v in PERSON_COLUMNS.items()}.get(key, key)
            return f"{role}_{column}"
        if name == f"{role}_person_id":
            return f"{role}_first_name"
    if name.startswith("dash."):
        return "dash_" + name.split(".", 1)[1]
    return name


def _merge(first: list[dict[str, str]], second: list[dict[str, str]]) -> list[dict[str, str]]:
    seen = {e["column"] for e in first}
    return first + [e for e in second if e["column"] not in seen]


# --------------------------------------------------------------------------- the service


def import_referrals(
    content: bytes, *, actor: Actor, now: datetime, ruleset: RuleSet | None = None
) -> ImportReport:
    """Import a CSV file of notifications (caller commits). ImportRefused if unreadable."""
    from triage.services.rulesets import active_ruleset

    ruleset = ruleset or active_ruleset()
    rows = _read(_decode(content), ruleset)
    report = ImportReport(rows=len(rows))
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
        _import_row(report, line, values, seen, actor=actor, now=now, ruleset=ruleset)
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
    ruleset: RuleSet,
) -> None:
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
    data, problems = row_to_data(values, ruleset)
    savepoint = db.session.begin_nested()
    try:
        created = create_referral(data, actor=actor, now=now, ruleset=ruleset)
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
        report.rejected.append(RejectedRow(line, police_reference, _merge(problems, found)))
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
