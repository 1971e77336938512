"""The CSV import's bulk path: the same rows, checks, messages, people and stored rows as
importing one row at a time (`importer._import_row`), in a few statements per thousand rows.

1. Every row is read and mapped first (`import_rows`); the file's police references are
   looked up in chunked queries, and every person's candidates read once (`match_pool`).
2. Rows are then checked in file order by the one `check_referral`, which asks
   `FileLookups` instead of the database: what was read in step 1, plus what earlier rows
   of this file have made (their people, their police references, their MARAC pairs), so a
   later row sees an earlier one exactly as when each was stored before the next.
3. Accepted rows are written a batch at a time: people and referrals in one flush, their
   details rows, match tasks and due actions in a second; audit events are queued (the
   chain appends them in one INSERT at the commit).

Used when the importer may see every case it imports (a system actor, the S2S team, a
referrer or an IDVA); otherwise a row's own people would be hidden from later rows and the
importer keeps to the row-at-a-time path.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.sql.elements import False_, True_

from triage.extensions import db
from triage.models import Person, PersonDetails, PossibleMatch, Referral
from triage.permissions.cases import visible_referrals_clause
from triage.rules import RuleSet
from triage.services.actor import Actor
from triage.services.calendar import current_calendar
from triage.services.due_action_plan import audit_plan, plan_for_new_referrals
from triage.services.import_report import (
    AcceptedRow,
    DuplicateRow,
    ImportReport,
    RejectedRow,
    merge_problems,
)
from triage.services.import_rows import column_for, readable_cells, row_to_data
from triage.services.intake_validation import CheckedReferral, IntakeInvalid, check_referral
from triage.services.match_pool import CHUNK, Candidate, MatchPool
from triage.services.person_details import Viewer, details_values
from triage.services.person_matching import NotACandidate, Resolved, resolve_found, write_person
from triage.services.possible_matches import task_values
from triage.services.referral_creation import _audit, build_referral
from triage.services.repeats import last_marac_referral_at
from triage.settings import Settings
from triage.workdays import WorkingCalendar

BATCH = 2000  # accepted rows per pair of flushes
_WRITTEN = (Referral, Person)


def sees_own_imports(viewer: Viewer) -> bool:
    """Whether the referrals this importer makes are in its own view (see module doc)."""
    if viewer.user is None:
        return True
    clause = visible_referrals_clause(viewer.user)
    if isinstance(clause, True_ | False_):  # sees every case, or none (not signed in)
        return isinstance(clause, True_)
    # Their clause includes `referrer_id == user.id`, and the import records them as referrer.
    return bool(set(viewer.user.roles) & {"referrer", "idva"})


@dataclass
class _Row:
    line: int
    police_reference: str
    data: dict[str, Any]
    problems: list[dict[str, str]]


@dataclass
class _Made:
    line: int
    police_reference: str
    referral: Referral
    checked: CheckedReferral


class FileLookups:
    """`intake_validation.Lookups` answered from the file's reads and its own writes."""

    def __init__(self, pool: MatchPool, stored: dict[str, int], exact: set[str]) -> None:
        self.pool = pool
        self._lower = set(stored)  # lower(police_reference) of stored referrals
        self._exact = exact  # their exact values
        self._marac: dict[tuple[int, int], list[datetime]] = defaultdict(list)

    def reference_taken(self, reference: str) -> bool:
        return reference in self._exact or reference.lower() in self._lower

    def resolve_all(
        self, people: dict[str, tuple[dict[str, Any], int | None]], *, viewer: Viewer
    ) -> dict[str, Resolved | NotACandidate]:
        found = {
            role: self.pool.matches(d["first_name"], d["last_name"], d["date_of_birth"])
            for role, (d, _confirmed) in people.items()
        }
        return resolve_found(people, found)

    def last_marac_referral_at(
        self, victim: Resolved | None, perpetrator: Resolved | None, before: datetime
    ) -> datetime | None:
        if victim is None or perpetrator is None or not (victim.person and perpetrator.person):
            return None  # a new person has no earlier referral, so there is no pair yet
        v, p = victim.person, perpetrator.person
        times = [at for at in self._marac.get((v.id, p.id), ()) if at < before]
        if v.person is None and p.person is None:  # both stored before this import
            stored = last_marac_referral_at(v.id, p.id, before)
            times += [stored] if stored is not None else []
        return max(times, default=None)

    def remember(
        self, checked: CheckedReferral, victim: Candidate, perpetrator: Candidate | None
    ) -> None:
        """An accepted row, for the rows after it."""
        reference = checked.police_reference
        if reference:
            self._exact.add(reference)
            self._lower.add(reference.lower())
        if perpetrator is not None and checked.assessment.marac:
            self._marac[(victim.id, perpetrator.id)].append(checked.received_at)


def import_rows(
    report: ImportReport,
    rows: list[tuple[int, dict[str, str]]],
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
    ruleset: RuleSet,
    viewer: Viewer,
) -> None:
    """Check and store `rows` (line, {column: value}) into `report` (caller commits)."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be timezone-aware")  # as create_referral insists
    now = now.astimezone(UTC)
    read = [_read_row(line, values, ruleset) for line, values in rows]
    stored, exact = _stored_references([row.police_reference for row in read])
    pool = MatchPool.read(_people(read), visible=viewer.referrals_clause())
    run = _Run(
        report=report,
        stored=stored,
        lookups=FileLookups(pool, stored, exact),
        calendar=current_calendar(settings.calendar),  # read once, not once a row
        actor=actor,
        now=now,
        settings=settings,
        ruleset=ruleset,
        viewer=viewer,
    )
    # Nothing is flushed until a batch is full: the file's own state is in `lookups`.
    with db.session.no_autoflush:
        for row in read:
            run.row(row)
            if len(run.batch) >= BATCH:
                run.write()
    run.write()


@dataclass
class _Run:
    """One file's import: what it read, what it has seen, the batch waiting to be written."""

    report: ImportReport
    stored: dict[str, int]
    lookups: FileLookups
    calendar: WorkingCalendar
    actor: Actor
    now: datetime
    settings: Settings
    ruleset: RuleSet
    viewer: Viewer
    seen: dict[str, int] = field(default_factory=dict)
    batch: list[_Made] = field(default_factory=list)

    def row(self, row: _Row) -> None:
        if row.data is None:  # the wrong number of cells
            self.report.rejected.append(RejectedRow(row.line, "", row.problems))
            return
        checked = _check_row(
            self.report, row, self.seen, self.stored, self.lookups, self.viewer, self.ruleset,
            self.now, self.settings,
        )  # fmt: skip
        if checked is not None:
            self.batch.append(
                _build(row, checked, self.lookups, self.ruleset, self.calendar,
                       actor=self.actor, now=self.now, settings=self.settings)
            )  # fmt: skip

    def write(self) -> None:
        _write(self.report, self.batch, actor=self.actor, now=self.now, settings=self.settings)
        self.batch = []


def _read_row(line: int, values: Mapping[str, str], ruleset: RuleSet) -> _Row:
    if "__width__" in values:
        problem = {"column": "row", "message": f"has {values['__width__']} columns"}
        return _Row(line, "", None, [problem])  # type: ignore[arg-type]
    values, unreadable = readable_cells(values)
    data, converted = row_to_data(values, ruleset)
    return _Row(
        line, values.get("police_reference", ""), data, merge_problems(unreadable, converted)
    )


def _people(rows: list[_Row]):
    """Each row's people as given (the pool reads any cleaned name it lacks on demand)."""
    for row in rows:
        for role in ("victim", "perpetrator"):
            person = (row.data or {}).get(role)
            if isinstance(person, dict):
                born = person.get("date_of_birth")
                born = born if hasattr(born, "toordinal") else None
                yield person.get("first_name") or "", person.get("last_name") or "", born


def _stored_references(references: list[str]) -> tuple[dict[str, int], set[str]]:
    """{lower(reference): id} and the exact values of the stored referrals that share a
    police reference with the file (case-blind, as the row-at-a-time check asks)."""
    keys = sorted({r.lower() for r in references if r})
    exact_values = sorted({r for r in references if r})
    lower: dict[str, int] = {}
    exact: set[str] = set()
    column = Referral.police_reference
    for values, wanted in ((keys, func.lower(column)), (exact_values, column)):
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            query = select(Referral.id, func.lower(column).label("key"), column).where(
                or_(wanted.in_(chunk))
            )
            for row in db.session.execute(query):
                lower.setdefault(row.key, row.id)
                exact.add(row.police_reference)
    return lower, exact


def _check_row(
    report: ImportReport,
    row: _Row,
    seen: dict[str, int],
    stored: dict[str, int],
    lookups: FileLookups,
    viewer: Viewer,
    ruleset: RuleSet,
    now: datetime,
    settings: Settings,
) -> CheckedReferral | None:
    """The row checked, or None when it was reported as a duplicate or rejected."""
    key = row.police_reference.lower()
    if key and key in seen:
        report.duplicates.append(DuplicateRow(row.line, row.police_reference, None, seen[key]))
        return None
    if key and key in stored:
        seen[key] = row.line
        reference = f"R{stored[key]:06d}"
        report.duplicates.append(DuplicateRow(row.line, row.police_reference, reference))
        return None
    try:
        checked = check_referral(
            row.data,
            ruleset=ruleset,
            now=now,
            viewer=viewer,
            clock_skew=settings.received_clock_skew,
            lookups=lookups,
        )
    except IntakeInvalid as exc:
        found = [{"column": column_for(e["field"]), "message": e["message"]} for e in exc.errors]
        problems = merge_problems(row.problems, found)
        report.rejected.append(RejectedRow(row.line, row.police_reference, problems))
        return None
    if row.problems:  # a value could not be read, even if intake found a way to accept it
        report.rejected.append(RejectedRow(row.line, row.police_reference, row.problems))
        return None
    seen[key] = row.line
    return checked


def _build(
    row: _Row,
    checked: CheckedReferral,
    lookups: FileLookups,
    ruleset: RuleSet,
    calendar: WorkingCalendar,
    *,
    actor: Actor,
    now: datetime,
    settings: Settings,
) -> _Made:
    """The row's referral and new people, added to the session (flushed by `_write`)."""
    due_at = calendar.offer_due(checked.received_at)
    referral = build_referral(checked, ruleset, due_at, actor=actor, now=now)
    victim = _person(referral, "victim", checked.victim, lookups.pool)
    perpetrator = None
    if checked.perpetrator is not None:
        perpetrator = _person(referral, "perpetrator", checked.perpetrator, lookups.pool)
    db.session.add(referral)
    lookups.remember(checked, victim, perpetrator)
    return _Made(row.line, row.police_reference, referral, checked)


def _person(referral: Referral, role: str, resolved: Resolved, pool: MatchPool) -> Candidate:
    """Name the matched person, or a new one that later rows can match (the referrer sees
    its own referrals: `sees_own_imports`)."""
    candidate = resolved.person
    if candidate is None:
        person = write_person(resolved)
        setattr(referral, role, person)
        return pool.add(person, visible=True)
    assert isinstance(candidate, Candidate)
    if candidate.person is not None and candidate.person.id is None:  # made in this batch
        setattr(referral, role, candidate.person)
    else:
        setattr(referral, f"{role}_id", candidate.stored_id)
    return candidate


def _record_people(batch: list[_Made], *, actor: Actor, now: datetime) -> None:
    """`referral_creation._record_people` for a batch: the details rows and the match tasks
    in one INSERT each (Core: no ORM object for rows nothing reads back)."""
    details, tasks = [], []
    for made in batch:
        referral, checked = made.referral, made.checked
        for role, resolved in (("victim", checked.victim), ("perpetrator", checked.perpetrator)):
            if resolved is not None:
                details.append(
                    details_values(referral.id, role, resolved.details, actor=actor, now=now)
                )
                tasks += task_values(referral.id, role, resolved.hidden, now=now)
    for table, rows in ((PersonDetails.__table__, details), (PossibleMatch.__table__, tasks)):
        if rows:
            db.session.execute(insert(table), rows)


def _write(
    report: ImportReport, batch: list[_Made], *, actor: Actor, now: datetime, settings: Settings
) -> None:
    """Flush a batch: people and referrals, then details, tasks and due actions; queue the
    same audit events, in the same order, as storing the rows one by one."""
    if not batch:
        return
    written = [o for o in db.session.new if isinstance(o, _WRITTEN)]
    db.session.flush()
    _record_people(batch, actor=actor, now=now)
    planned = plan_for_new_referrals([m.referral for m in batch], now=now, settings=settings)
    for made, rows in zip(batch, planned, strict=True):
        _audit(made.referral, made.checked, actor=actor, now=now)
        audit_plan(made.referral, rows, actor=actor, now=now)
        referral = made.referral
        report.accepted.append(
            AcceptedRow(made.line, made.police_reference, referral.id, referral.reference)
        )
        report.due_action_ids.extend(row.id for row in rows)
    for instance in written:  # stored: keep the session (and the memory) small
        db.session.expunge(instance)
