"""The MARAC agenda as agencies receive it: the print view's rows and the CSV file.

Only the fields agencies need to research a case (DOMAIN.md, SafeLives): victim and
perpetrator names, dates of birth and address as the listed referral itself recorded them
(docs/people.md), children, risk, MARAC criteria, MCIC needs and repeat. Each print and export
is a disclosure, audited with the meeting id and the case count (no names). The caller checks
`marac.manage` (the coordinator) and commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from triage.models import PersonDetails, Referral, User
from triage.rules import MARAC_CRITERIA, RuleSet
from triage.services import audit
from triage.services.actor import Actor
from triage.services.marac_actions import ACTION_AGENCIES
from triage.services.marac_agenda import Agenda, AgendaCase, agenda
from triage.services.referral_summary import referral_summary
from triage.services.rulesets import UnknownRuleSet, ruleset_by_version
from triage.workdays import WorkingCalendar

MARKING = "OFFICIAL-SENSITIVE"
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")
RISK_LABELS = {"high": "High", "medium": "Medium", "standard": "Standard"}


@dataclass(frozen=True)
class PersonLine:
    name: str
    date_of_birth: date | None
    address: str

    @classmethod
    def of(cls, details: PersonDetails | None) -> PersonLine | None:
        if details is None:
            return None
        address = ", ".join(p for p in (details.address, details.postcode) if p)
        return cls(details.display_name, details.date_of_birth, address)


@dataclass(frozen=True)
class CaseLine:
    """One new case as agencies see it, and nothing more."""

    listing_id: int
    reference: str
    victim: PersonLine | None
    perpetrator: PersonLine | None
    children: int
    risk: str
    criteria: list[str]  # labels, without "Repeat" (its own column: shown once)
    mcic_needs: list[str]
    repeat: bool


def case_line(case: AgendaCase, ruleset: RuleSet | None = None) -> CaseLine:
    referral: Referral = case.referral
    needs = [n["label"] for n in referral_summary(referral, ruleset)["mcic_needs"]]
    return CaseLine(
        listing_id=case.listing.id,
        reference=referral.reference,
        victim=PersonLine.of(referral.victim_details),
        perpetrator=PersonLine.of(referral.perpetrator_details),
        children=referral.children_in_household if case.listing.has_children else 0,
        risk=RISK_LABELS.get(referral.risk_level, referral.risk_level),
        criteria=[MARAC_CRITERIA.get(c, c) for c in case.listing.criteria if c != "repeat"],
        mcic_needs=needs,
        repeat=case.listing.is_repeat,
    )


@dataclass(frozen=True)
class AgencyAgenda:
    agenda: Agenda
    with_children: list[CaseLine]
    adult_only: list[CaseLine]

    @property
    def case_count(self) -> int:
        return self.agenda.case_count


def _lines(cases: list[AgendaCase]) -> list[CaseLine]:
    """The cases' lines, each rule set (for the needs' labels) read once, not once a case."""
    rulesets: dict[str, RuleSet | None] = {}
    lines = []
    for case in cases:
        version = case.referral.ruleset_version
        if version not in rulesets:
            try:
                rulesets[version] = ruleset_by_version(version)
            except UnknownRuleSet:
                rulesets[version] = None
        lines.append(case_line(case, rulesets[version]))
    return lines


def _build(meeting_id: int, calendar: WorkingCalendar, reader: User | None) -> AgencyAgenda:
    shown = agenda(meeting_id, calendar=calendar, show_names=True, reader=reader)
    return AgencyAgenda(shown, _lines(shown.with_children), _lines(shown.adult_only))


def _audit(action: str, result: AgencyAgenda, actor: Actor, now: datetime) -> None:
    audit.record(
        action,
        actor,
        object_type="marac_meeting",
        object_id=result.agenda.meeting.id,
        details={"meeting_id": result.agenda.meeting.id, "cases": result.case_count},
        now=now,
    )


def print_agenda(
    meeting_id: int, *, actor: Actor, now: datetime, calendar: WorkingCalendar, reader: User
) -> AgencyAgenda:
    """The print view's content, audited as `marac.agenda.print`."""
    result = _build(meeting_id, calendar, reader)
    _audit("marac.agenda.print", result, actor, now)
    return result


def neutralise(value: object) -> str:
    """A CSV cell a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


HEADER = [
    "Section",
    "Referral",
    "Victim name",
    "Victim date of birth",
    "Victim address",
    "Perpetrator name",
    "Perpetrator date of birth",
    "Perpetrator address",
    "Children in household",
    "Risk",
    "MARAC criteria",
    "MCIC needs",
    "Repeat",
    "Action agency",
    "Action",
    "Action due",
    "Note",
]


def _day(value: date | datetime | None, calendar: WorkingCalendar) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = calendar.local_date(value)
    return value.isoformat()


def _person(line: PersonLine | None, calendar: WorkingCalendar) -> list[str]:
    if line is None:
        return ["", "", ""]
    return [line.name, _day(line.date_of_birth, calendar), line.address]


def _rows(result: AgencyAgenda, calendar: WorkingCalendar) -> list[list[object]]:
    shown = result.agenda
    blank = [""] * 11
    rows: list[list[object]] = [
        ["Confidentiality statement", "", *blank, "", "", "", shown.confidentiality_statement]
    ]
    for a in shown.open_actions:
        agency = ACTION_AGENCIES.get(a.agency, a.agency) if a.readable else ""
        note = f"Agreed at the meeting of {_day(a.meeting_starts_at, calendar)}"
        rows.append(
            [
                "Open action from an earlier meeting",
                a.reference,
                *blank,
                agency,
                a.description or "",
                _day(a.due_on, calendar),
                note,
            ]
        )
    for section, lines in (
        ("New case: household with children", result.with_children),
        ("New case: adult-only household", result.adult_only),
    ):
        for line in lines:
            rows.append(
                [
                    section,
                    line.reference,
                    *_person(line.victim, calendar),
                    *_person(line.perpetrator, calendar),
                    line.children,
                    line.risk,
                    "; ".join(line.criteria),
                    "; ".join(line.mcic_needs),
                    "Yes" if line.repeat else "No",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    for item in shown.lapsed_repeats:
        note = (
            f"Repeat window ended {_day(item.window_ended, calendar)} "
            f"(last heard {_day(item.last_heard, calendar)})"
        )
        rows.append(
            [
                "Notice: repeat window lapsed",
                item.referral.reference,
                item.victim_name,
                *blank[1:],
                "",
                "",
                "",
                note,
            ]
        )
    return rows


def export_agenda_csv(
    meeting_id: int, *, actor: Actor, now: datetime, calendar: WorkingCalendar, reader: User
) -> tuple[str, int]:
    """The agenda as CSV text (marked first and last), audited as `marac.agenda.export`.
    Returns the text and the case count."""
    result = _build(meeting_id, calendar, reader)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([MARKING])
    writer.writerow(
        [f"MARAC agenda for the meeting of {_day(result.agenda.meeting.starts_at, calendar)}"]
    )
    writer.writerow(HEADER)
    for row in _rows(result, calendar):
        writer.writerow([neutralise(cell) for cell in row])
    writer.writerow([MARKING])
    _audit("marac.agenda.export", result, actor, now)
    return out.getvalue(), result.case_count
