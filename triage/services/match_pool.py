"""Person matching for many referrals at once (the bulk CSV import).

`repeats.find_matches_for` asks the database for one referral's candidates; a file of
100,000 rows cannot ask 100,000 times. `MatchPool.read` fetches every candidate of every
person in the file in a few chunked queries (the same two conditions: the same normalised
name, or the same date of birth), keeps those that could be a match for someone (the same
name, or a similar name on the same birthday), and asks which are named in a case the viewer
may see only for those. `matches` then answers exactly as `find_matches` would, through the
same `repeats._matches`. People the import itself creates are added as it goes, so a later
row matches an earlier row's person as it did when each row was stored before the next.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, exists, or_, select

from triage.extensions import db
from triage.models import Person, Referral
from triage.services.repeats import MatchResult, _matches, _split_key, _Wanted, similar_names

CHUNK = 1000  # values per IN list
# Ids for people this import makes before they are flushed: above any stored id, in the
# order they are made (so sorting by id orders them as their real ids will).
PROVISIONAL = 1 << 62


@dataclass
class Candidate:
    """What matching reads of a person; `person` is set for one this import made."""

    id: int
    match_name: str
    date_of_birth: date | None
    person: Person | None = None

    @property
    def stored_id(self) -> int | None:
        """The real id: a stored person's, or a made one's once flushed."""
        return self.person.id if self.person is not None else self.id


class MatchPool:
    def __init__(self, visible: ColumnElement[bool]) -> None:
        self._clause = visible
        self._by_name: dict[str, list[Candidate]] = defaultdict(list)
        self._by_born: dict[date, list[Candidate]] = defaultdict(list)
        self._known: set[int] = set()
        self._visible: set[int] = set()
        self._covered: set[tuple[str, date | None]] = set()
        self._made = itertools.count(PROVISIONAL)

    @classmethod
    def read(
        cls, people: Iterable[tuple[str, str, date | None]], *, visible: ColumnElement[bool]
    ) -> MatchPool:
        """The stored candidates of all `people` (first name, last name, date of birth);
        `visible`, a condition on Referral: the cases whose people may be matched."""
        pool = cls(visible)
        pool._read([w for w in (_Wanted.of(*p) for p in people) if w.named])
        return pool

    def _read(self, wanted: Sequence[_Wanted]) -> None:
        stored = _stored_candidates(wanted)
        names: dict[str, list[Candidate]] = defaultdict(list)
        born: dict[date, list[Candidate]] = defaultdict(list)
        for candidate in stored.values():
            names[candidate.match_name].append(candidate)
            if candidate.date_of_birth is not None:
                born[candidate.date_of_birth].append(candidate)
        kept: dict[int, Candidate] = {}
        for person in wanted:
            self._covered.add((person.key, person.born))
            kept.update((c.id, c) for c in names.get(person.key, ()))
            for c in born.get(person.born, ()) if person.born is not None else ():
                if c.id not in kept and _similar_to(person, c):
                    kept[c.id] = c
        new = sorted((c for c in kept.values() if c.id not in self._known), key=lambda c: c.id)
        for candidate in new:
            self._index(candidate)
        self._visible |= _named_in_visible([c.id for c in new], self._clause)

    def _index(self, candidate: Candidate) -> None:
        self._known.add(candidate.id)
        self._by_name[candidate.match_name].append(candidate)
        if candidate.date_of_birth is not None:
            self._by_born[candidate.date_of_birth].append(candidate)

    def add(self, person: Person, *, visible: bool) -> Candidate:
        """A person this import has just made (not yet flushed), matched by later rows."""
        candidate = Candidate(next(self._made), person.match_name, person.date_of_birth, person)
        self._index(candidate)
        if visible:
            self._visible.add(candidate.id)
        return candidate

    def matches(self, first_name: str, last_name: str, born: date | None) -> MatchResult:
        """What `repeats.find_matches(..., visible=...)` answers for this person."""
        wanted = _Wanted.of(first_name, last_name, born)
        if not wanted.named:
            return MatchResult(None, [])
        if (wanted.key, born) not in self._covered:  # cleaned unlike the raw cell: read it
            self._read([wanted])
        found = {c.id: c for c in self._by_name.get(wanted.key, ())}
        if born is not None:
            found.update((c.id, c) for c in self._by_born.get(born, ()))
        candidates = [found[key] for key in sorted(found)]
        seen = frozenset(key for key in found if key in self._visible)
        return _matches(wanted, candidates, seen)  # type: ignore[arg-type]


def _similar_to(wanted: _Wanted, candidate: Candidate) -> bool:
    if candidate.match_name == wanted.key:
        return True
    other_first, other_last = _split_key(candidate.match_name)
    return similar_names(wanted.first, wanted.last, other_first, other_last)


def _stored_candidates(wanted: Sequence[_Wanted]) -> dict[int, Candidate]:
    """Every person (not anonymised) with one of the names or one of the birth dates."""
    names = sorted({w.key for w in wanted})
    dates = sorted({w.born for w in wanted if w.born is not None})
    columns = select(Person.id, Person.match_name, Person.date_of_birth).where(
        Person.anonymised_at.is_(None)
    )
    found: dict[int, Candidate] = {}
    for column, values in ((Person.match_name, names), (Person.date_of_birth, dates)):
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            for row in db.session.execute(columns.where(column.in_(chunk))):
                found[row.id] = Candidate(row.id, row.match_name, row.date_of_birth)
    return found


def _named_in_visible(ids: list[int], visible: ColumnElement[bool]) -> set[int]:
    """The ids among `ids` named in a referral that `visible` allows."""
    shown: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        named = exists().where(
            or_(Referral.victim_id == Person.id, Referral.perpetrator_id == Person.id), visible
        )
        shown.update(db.session.scalars(select(Person.id).where(Person.id.in_(chunk), named)))
    return shown
