"""One row of a police-notification CSV, mapped onto the one definition of a referral's
input (`triage.referral_input`): UK dates, London local times, Y/N answers and code lists
are read into the values the API takes, and a value that cannot be read is reported
against its column (layout: docs/import.md). Errors found later are named by column too.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from triage.rules import RuleSet

LONDON = ZoneInfo("Europe/London")

PERSON_COLUMNS = {
    "first_name": "first_name",
    "last_name": "last_name",
    "dob": "date_of_birth",
    "postcode": "postcode",
    "gender": "gender",
    "address": "address",
}
# The victim's optional equality codes and safe contact (victim_<name> columns; docs/import.md).
VICTIM_CODE_COLUMNS = ("ethnicity", "sexual_orientation", "trans", "disability")
VICTIM_TEXT_COLUMNS = ("phone", "safe_times")
VICTIM_SAFE_COLUMNS = ("safe_to_call", "safe_to_leave_message", "safe_to_write")
VICTIM_COLUMNS = tuple(
    f"victim_{key}" for key in (*VICTIM_TEXT_COLUMNS, *VICTIM_SAFE_COLUMNS, *VICTIM_CODE_COLUMNS)
)
UNKNOWN_WORDS = {"dk", "dont_know", "don't know"}
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
_UNDECODED = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8 (surrogateescape)
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_LOCAL_TIME = re.compile(r"^(\S+)[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")


# --------------------------------------------------------------------------- one row


def readable_cells(values: Mapping[str, str]) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The row with each cell that cannot be stored blanked, and a problem for each: bytes
    that are not UTF-8, or a NUL (the database refuses both). Only this row fails."""
    clean: dict[str, str] = {}
    problems: list[dict[str, str]] = []
    for column, value in values.items():
        if _UNDECODED.search(value):
            problems.append(
                {"column": column, "message": "is not UTF-8 text: save the file as 'CSV UTF-8'"}
            )
            value = ""
        elif "\x00" in value:
            problems.append({"column": column, "message": "must not contain control characters"})
            value = ""
        clean[column] = value
    return clean, problems


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

    def known_flag(self, column: str) -> bool | str | None:
        """Y, N or DK (don't know: None)."""
        raw = self.get(column).lower()
        if raw in UNKNOWN_WORDS:
            return None
        if raw and raw not in TRUE_WORDS | FALSE_WORDS:
            self.error(column, "must be Y, N or DK")
            return raw
        return self.flag(column)

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
    if role == "victim":
        person.update(_victim_extras(row))
    return person


def _victim_extras(row: _Row) -> dict[str, Any]:
    extras: dict[str, Any] = {}
    for key in VICTIM_CODE_COLUMNS:
        extras[key] = row.get(f"victim_{key}").lower() or None
    for key in VICTIM_TEXT_COLUMNS:
        extras[key] = row.get(f"victim_{key}") or None
    for key in VICTIM_SAFE_COLUMNS:
        extras[key] = row.known_flag(f"victim_{key}")
    return extras


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
