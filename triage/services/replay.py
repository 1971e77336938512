"""Replay ("shadow mode"): how would stored referrals come out under another rule set?

Each referral received in the date range is re-assessed from the facts stored with it
(`referral_summary.facts_for`, the same facts it was decided on) and compared with its stored
assessment. Nothing about a referral is ever written: the only write is the audit event
recording that the replay was run (who, which rule set, which range, the counts).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import load_only

from triage.extensions import db
from triage.models import Referral
from triage.rules import Assessment, InvalidFacts, RuleSet, assess, compare
from triage.services import audit
from triage.services.actor import Actor
from triage.services.referral_summary import facts_for

LONDON = ZoneInfo("Europe/London")
# The longest range a replay may cover; a wider one is refused rather than left to run.
MAX_DAYS = 3 * 366
BATCH = 500


class ReplayRangeInvalid(ValueError):
    """The date range is back to front or too long."""


@dataclass(frozen=True)
class ReplayChange:
    """One referral whose outcome would change. References only: no names."""

    referral_id: int
    reference: str
    received_at: datetime
    old_version: str
    old_risk_level: str
    new_risk_level: str
    old_marac_criteria: list[str]
    new_marac_criteria: list[str]
    old_mcic: bool
    new_mcic: bool
    changes: dict[str, Any]

    @property
    def risk_level_changed(self) -> bool:
        return "risk_level" in self.changes

    @property
    def marac_criteria_changed(self) -> bool:
        return "marac_criteria" in self.changes

    @property
    def mcic_changed(self) -> bool:
        return "mcic" in self.changes


@dataclass(frozen=True)
class ReplayFailure:
    """A referral whose stored facts the other rule set refuses (e.g. a code it lacks)."""

    referral_id: int
    reference: str
    errors: list[dict[str, str]]


@dataclass(frozen=True)
class ReplayReport:
    ruleset_version: str
    date_from: date
    date_to: date
    total: int = 0
    changed_risk_level: int = 0
    changed_marac_criteria: int = 0
    changed_mcic: int = 0
    changes: list[ReplayChange] = field(default_factory=list)
    failures: list[ReplayFailure] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.changes)

    def counts(self) -> dict[str, int]:
        return {
            "total": self.total,
            "changed": self.changed,
            "changed_risk_level": self.changed_risk_level,
            "changed_marac_criteria": self.changed_marac_criteria,
            "changed_mcic": self.changed_mcic,
            "not_replayable": len(self.failures),
        }


def london_day_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[start, end) in UTC covering the London calendar days date_from..date_to inclusive."""
    start = datetime.combine(date_from, time(0), tzinfo=LONDON).astimezone(UTC)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tzinfo=LONDON).astimezone(UTC)
    return start, end


def replay(
    ruleset: RuleSet,
    date_from: date,
    date_to: date,
    *,
    actor: Actor,
    now: datetime | None = None,
) -> ReplayReport:
    """Re-assess referrals received date_from..date_to (London dates, inclusive) under
    `ruleset`, without changing them; audit the run in the caller's transaction."""
    if date_to < date_from:
        raise ReplayRangeInvalid("The last date must be the same as or after the first date")
    if (date_to - date_from).days >= MAX_DAYS:
        raise ReplayRangeInvalid(f"Replay at most {MAX_DAYS} days at a time")
    start, end = london_day_bounds(date_from, date_to)
    query = (
        select(Referral)
        .options(
            load_only(Referral.id, Referral.answers, Referral.assessment, Referral.received_at)
        )
        .where(Referral.received_at >= start, Referral.received_at < end)
        .order_by(Referral.received_at, Referral.id)
        .execution_options(yield_per=BATCH)
    )
    total = risk = criteria = mcic = 0
    changes: list[ReplayChange] = []
    failures: list[ReplayFailure] = []
    for referral in db.session.scalars(query):
        total += 1
        old = Assessment.from_dict(referral.assessment)
        try:
            new = assess(copy.deepcopy(facts_for(referral)), ruleset)
        except InvalidFacts as exc:
            failures.append(ReplayFailure(referral.id, referral.reference, list(exc.errors)))
            continue
        diff = compare(old, new)
        if diff is None:
            continue
        change = ReplayChange(
            referral_id=referral.id,
            reference=referral.reference,
            received_at=referral.received_at,
            old_version=old.ruleset_version,
            old_risk_level=old.risk_level,
            new_risk_level=new.risk_level,
            old_marac_criteria=list(old.marac_criteria),
            new_marac_criteria=list(new.marac_criteria),
            old_mcic=old.mcic,
            new_mcic=new.mcic,
            changes=diff,
        )
        risk += change.risk_level_changed
        criteria += change.marac_criteria_changed
        mcic += change.mcic_changed
        changes.append(change)
    report = ReplayReport(
        ruleset_version=ruleset.version,
        date_from=date_from,
        date_to=date_to,
        total=total,
        changed_risk_level=risk,
        changed_marac_criteria=criteria,
        changed_mcic=mcic,
        changes=changes,
        failures=failures,
    )
    audit.record(
        "ruleset.replay",
        actor,
        object_type="rule_set",
        object_id=ruleset.version,
        details={
            "version": ruleset.version,
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            **report.counts(),
        },
        now=now,
    )
    return report


def describe_criteria(names: list[str]) -> str:
    return ", ".join(names) if names else "none"


def _arrow(old: object, new: object) -> str:
    return f"{old} -> {new}" if old != new else str(old)


def report_lines(report: ReplayReport) -> list[str]:
    """The counts and a table of the changes as text (references only, no names)."""
    counts = report.counts()
    lines = [
        f"Replayed {counts['total']} referrals received {report.date_from.isoformat()} to "
        f"{report.date_to.isoformat()} (London dates) under rule set {report.ruleset_version}.",
        f"Would change: risk level {counts['changed_risk_level']}, "
        f"MARAC criteria {counts['changed_marac_criteria']}, MCIC {counts['changed_mcic']} "
        f"({counts['changed']} referrals in all).",
    ]
    if report.failures:
        lines.append(f"Could not be replayed under this rule set: {len(report.failures)}.")
    if report.changes:
        header = ("Reference", "Received", "Was under", "Risk level", "MARAC criteria", "MCIC")
        rows = [
            (
                c.reference,
                c.received_at.astimezone(LONDON).date().isoformat(),
                c.old_version,
                _arrow(c.old_risk_level, c.new_risk_level),
                _arrow(
                    describe_criteria(c.old_marac_criteria), describe_criteria(c.new_marac_criteria)
                ),
                _arrow("yes" if c.old_mcic else "no", "yes" if c.new_mcic else "no"),
            )
            for c in report.changes
        ]
        widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
        lines.append("")
        for r in (header, *rows):
            lines.append(
                "  ".join(str(v).ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
            )
    for failure in report.failures:
        reasons = "; ".join(f"{e['field']}: {e['message']}" for e in failure.errors)
        lines.append(f"{failure.reference}: not replayable: {reasons}")
    return lines
