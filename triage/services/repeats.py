"""Repeat detection: is this person already known, and when was this pair last at MARAC?

Matching never merges anybody silently:

- an **exact match** (same normalised first and last name, and the same known date of
  birth) is the same person, and a new referral reuses that person's record;
- a **near match** is only *offered*: the practitioner confirms "same person" (the
  referral then names that person) or "different person" (a new record is made).

A person is a near match when (see docs/intake.md for examples):

1. the date of birth is the same and the name is similar: each of the first and last
   names within a small edit distance (1 for names of up to 4 letters, otherwise 2,
   counting a swap of two neighbouring letters as one edit), or one name is the start of
   the other ("Sam" / "Samantha"), or the first and last names are the wrong way round;
2. the normalised name is the same and the date of birth is within a typo: exactly one of
   day, month or year differs, or day and month are swapped (12/03 for 03/12);
3. the normalised name is the same and either date of birth is not known.

Anonymised people (retention) are never matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, false, or_, select

from triage.extensions import db
from triage.models import Person, Referral
from triage.services.people import match_key, normalise_name

# How many near matches the form offers at most (closest first).
MAX_NEAR = 10


@dataclass(frozen=True)
class MatchResult:
    exact: Person | None
    near: list[Person] = field(default_factory=list)
    # With `find_matches(visible=...)`: the candidates named in a case that clause allows.
    visible_ids: frozenset[int] = frozenset()

    @property
    def candidate_ids(self) -> set[int]:
        """Every person a practitioner may confirm as the same person."""
        ids = {p.id for p in self.near}
        if self.exact is not None:
            ids.add(self.exact.id)
        return ids


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: insert, delete, substitute, swap neighbours."""
    if a == b:
        return 0
    if not a or not b:
        return max(len(a), len(b))
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _similar(a: str, b: str) -> bool:
    """Two normalised names that could be the same name mistyped or shortened."""
    if a == b:
        return True
    if not a or not b:
        return False
    compact_a, compact_b = a.replace(" ", ""), b.replace(" ", "")
    if compact_a == compact_b:
        return True
    shorter = min(len(compact_a), len(compact_b))
    if shorter >= 3 and (compact_a.startswith(compact_b) or compact_b.startswith(compact_a)):
        return True
    allowed = 1 if shorter <= 4 else 2
    return within_distance(compact_a, compact_b, allowed)


def within_distance(a: str, b: str, limit: int) -> bool:
    """`edit_distance(a, b) <= limit`, given up as soon as it cannot hold: the length
    difference alone, or two rows of the table already past the limit (a swap reaches back
    two rows). Matching compares a name with every same-birthday person, so most pairs are
    far apart and this answers them in a few steps instead of the whole table."""
    if abs(len(a) - len(b)) > limit:
        return False
    if a == b:
        return True
    if not a or not b:
        return max(len(a), len(b)) <= limit
    # Each letter of one that the other lacks costs an edit of its own.
    letters_a, letters_b = set(a), set(b)
    if len(letters_a - letters_b) > limit or len(letters_b - letters_a) > limit:
        return False
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit and min(previous) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


def similar_names(first: str, last: str, other_first: str, other_last: str) -> bool:
    """Normalised names: similar in order, or the first and last names swapped."""
    in_order = _similar(first, other_first) and _similar(last, other_last)
    swapped = _similar(first, other_last) and _similar(last, other_first)
    return in_order or swapped


def dates_within_typo(a: date, b: date) -> bool:
    """Exactly one of day, month, year differs, or day and month are swapped."""
    if a == b:
        return False
    differing = (a.day != b.day) + (a.month != b.month) + (a.year != b.year)
    if differing == 1:
        return True
    return a.year == b.year and a.day == b.month and a.month == b.day


def _split_key(key: str) -> tuple[str, str]:
    first, _, last = key.partition("|")
    return first, last


def find_matches(
    first_name: str,
    last_name: str,
    date_of_birth: date | None,
    *,
    visible: ColumnElement[bool] | None = None,
) -> MatchResult:
    """The exact match (if any) and the near matches to offer, closest first.

    `visible`, a condition on Referral, also reports which candidates are named in a
    referral it allows (`visible_ids`), in the same query."""
    return find_matches_for([(first_name, last_name, date_of_birth)], visible=visible)[0]


def find_matches_for(
    people: Sequence[tuple[str, str, date | None]],
    *,
    visible: ColumnElement[bool] | None = None,
) -> list[MatchResult]:
    """`find_matches` for several people (a referral's victim and perpetrator) in one query:
    every candidate of any of them is read once, then sorted out per person."""
    wanted = [_Wanted.of(first, last, born) for first, last, born in people]
    conditions: list[ColumnElement[bool]] = []
    for person in wanted:
        if person.named:
            conditions.append(Person.match_name == person.key)
            if person.born is not None:
                conditions.append(Person.date_of_birth == person.born)
    if not conditions:
        return [MatchResult(None, []) for _ in wanted]
    named = exists().where(
        or_(Referral.victim_id == Person.id, Referral.perpetrator_id == Person.id),
        visible if visible is not None else false(),
    )
    rows = db.session.execute(
        select(Person, named.label("visible"))
        .where(or_(*conditions), Person.anonymised_at.is_(None))
        .order_by(Person.id)
    ).all()
    candidates = [person for person, _ in rows]
    seen = frozenset(person.id for person, shown in rows if shown)
    return [
        _matches(person, candidates, seen) if person.named else MatchResult(None, [])
        for person in wanted
    ]


@dataclass(frozen=True)
class _Wanted:
    key: str
    first: str
    last: str
    born: date | None

    @classmethod
    def of(cls, first_name: str, last_name: str, born: date | None) -> _Wanted:
        first, last = normalise_name(first_name or ""), normalise_name(last_name or "")
        return cls(match_key(first_name or "", last_name or ""), first, last, born)

    @property
    def named(self) -> bool:
        return bool(self.first or self.last)


def _matches(wanted: _Wanted, candidates: list[Person], seen: frozenset[int]) -> MatchResult:
    key, date_of_birth = wanted.key, wanted.born
    same_name = [p for p in candidates if p.match_name == key]
    exact = None
    if date_of_birth is not None:
        exact_ones = [p for p in same_name if p.date_of_birth == date_of_birth]
        # Several records can share a name and birth date (one per case the referrer could
        # not see): the one from a case this viewer may see is the match, if there is one.
        exact = next((p for p in exact_ones if p.id in seen), exact_ones[0] if exact_ones else None)

    near: list[tuple[int, int, Person]] = []  # (rank, id, person): lower rank is closer
    for person in same_name:
        if person is exact:
            continue
        if date_of_birth is None or person.date_of_birth is None:
            near.append((2, person.id, person))
        elif dates_within_typo(date_of_birth, person.date_of_birth):
            near.append((0, person.id, person))

    if date_of_birth is not None:
        same_birthday = [
            p for p in candidates if p.date_of_birth == date_of_birth and p.match_name != key
        ]
        for person in same_birthday:
            other_first, other_last = _split_key(person.match_name)
            if similar_names(wanted.first, wanted.last, other_first, other_last):
                near.append((1, person.id, person))

    near.sort(key=lambda item: (item[0], item[1]))
    candidate_ids = {p.id for p in same_name} | {p.id for _, _, p in near}
    return MatchResult(
        exact, [person for _, _, person in near[:MAX_NEAR]], seen & frozenset(candidate_ids)
    )


def last_marac_referral_at(
    victim_id: int | None, perpetrator_id: int | None, before: datetime
) -> datetime | None:
    """When this victim and perpetrator were last referred to MARAC, before `before`.

    "Referred to MARAC" means an earlier referral (received strictly before `before`) for
    the same victim *and* the same perpetrator whose stored assessment met the MARAC
    criteria (`marac` true). With no victim or no perpetrator there is no pair, so None.
    """
    if victim_id is None or perpetrator_id is None:
        return None
    return db.session.scalar(
        select(Referral.received_at)
        .where(
            Referral.victim_id == victim_id,
            Referral.perpetrator_id == perpetrator_id,
            Referral.marac.is_(True),
            Referral.received_at < before,
        )
        .order_by(Referral.received_at.desc())
        .limit(1)
    )
