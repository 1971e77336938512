"""What a CSV import reports, row by row: line numbers and police references only (no
names), so it is safe to show to the screener and to print in a terminal."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    path: str = "rows"  # how it was stored: "bulk" (import_bulk) or "rows" (one at a time)

    def counts(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "accepted": len(self.accepted),
            "already_imported": len(self.duplicates),
            "rejected": len(self.rejected),
        }


def merge_problems(
    first: list[dict[str, str]], second: list[dict[str, str]]
) -> list[dict[str, str]]:
    seen = {e["column"] for e in first}
    return first + [e for e in second if e["column"] not in seen]
