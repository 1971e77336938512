"""Search for a case by reference, police reference, name, date of birth or postcode, over
what each referral recorded about its people (`person_details`, docs/people.md).

Exact matches first, then near ones (a mistyped name, date or reference, the same names
swapped), only from cases the searcher may see (`visible_referrals_clause`). Each search is
audited `referral.search` with its kind and result counts, never the text searched for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import selectinload

from triage.extensions import db
from triage.models import PersonDetails, Referral, User
from triage.permissions import visible_referrals_clause
from triage.services import audit
from triage.services.actor import Actor
from triage.services.people import normalise_name
from triage.services.repeats import dates_within_typo, edit_distance, similar_names

KINDS = {
    "reference": "Referral reference",
    "police_reference": "Police reference",
    "name": "Name",
    "dob": "Date of birth",
    "postcode": "Postcode",
}
MAX_RESULTS = 50
# Rows read to look for near names: bounds the work a short, common prefix can cause.
MAX_CANDIDATES = 2000
_REFERENCE = re.compile(r"^R?0*(\d{1,9})$", re.IGNORECASE)
_DATE_FORMATS = ("%d/%m/%Y", "%d %m %Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y")
_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2}$")


class SearchInvalid(ValueError):
    """The search text does not fit its kind (the message names the field)."""


@dataclass(frozen=True)
class Hit:
    referral: Referral
    exact: bool
    roles: tuple[str, ...]  # whose details matched: victim / perpetrator (empty: reference)

    @property
    def victim(self) -> PersonDetails | None:
        return self.referral.victim_details


@dataclass(frozen=True)
class SearchResult:
    kind: str
    hits: list[Hit]

    @property
    def exact(self) -> list[Hit]:
        return [h for h in self.hits if h.exact]

    @property
    def near(self) -> list[Hit]:
        return [h for h in self.hits if not h.exact]


def search(kind: str, text: str, *, user: User, actor: Actor, now: datetime) -> SearchResult:
    """Run one search for `user` and audit it (kind and counts only)."""
    if kind not in KINDS:
        raise SearchInvalid("Search by: select what you are searching by")
    text = (text or "").strip()
    if not text:
        raise SearchInvalid(f"{KINDS[kind]}: enter what to search for")
    if len(text) > 100:
        raise SearchInvalid(f"{KINDS[kind]}: must be 100 characters or fewer")
    finder = _FINDERS[kind]
    matches = finder(text, visible_referrals_clause(user))
    hits = _hits(matches)
    audit.record(
        "referral.search",
        actor,
        details={
            "kind": kind,
            "results": len(hits),
            "exact": sum(1 for h in hits if h.exact),
        },
        now=now,
    )
    return SearchResult(kind, hits)


# Each finder returns {referral_id: (exact, {roles})}, visible cases only.
Matches = dict[int, tuple[bool, set[str]]]


def _hits(matches: Matches) -> list[Hit]:
    ordered = sorted(matches.items(), key=lambda item: (not item[1][0], -item[0]))
    ordered = ordered[:MAX_RESULTS]
    referrals = {
        r.id: r
        for r in db.session.scalars(
            select(Referral)
            .where(Referral.id.in_([rid for rid, _ in ordered]))
            .options(selectinload(Referral.people_details))  # the victim shown on each hit
        )
    }
    return [
        Hit(referrals[rid], exact, tuple(sorted(roles)))
        for rid, (exact, roles) in ordered
        if rid in referrals
    ]


def _add(matches: Matches, referral_id: int, exact: bool, role: str | None = None) -> None:
    was_exact, roles = matches.get(referral_id, (False, set()))
    if role:
        roles.add(role)
    matches[referral_id] = (was_exact or exact, roles)


def _details_rows(condition: ColumnElement[bool], visible: ColumnElement[bool], limit: int):
    """Live (not erased) details rows meeting `condition` on cases `visible` allows."""
    return db.session.execute(
        select(PersonDetails)
        .join(Referral, Referral.id == PersonDetails.referral_id)
        .where(condition, PersonDetails.erased_at.is_(None), visible)
        .order_by(PersonDetails.referral_id.desc())
        .limit(limit)
    ).scalars()


def _by_reference(text: str, visible: ColumnElement[bool]) -> Matches:
    found = _REFERENCE.match(text.replace(" ", ""))
    if not found:
        raise SearchInvalid("Referral reference: enter it like R000123")
    digits = found.group(1).zfill(6)
    wanted = int(digits)
    near = _one_digit_off(digits) - {wanted}
    ids = set(
        db.session.scalars(select(Referral.id).where(Referral.id.in_(near | {wanted}), visible))
    )
    # A reference found as typed is the case; near ones only help when it was mistyped.
    if wanted in ids:
        return {wanted: (True, set())}
    return {referral_id: (False, set()) for referral_id in ids}


def _one_digit_off(digits: str) -> set[int]:
    """References one mistyped or swapped digit away."""
    out: set[int] = set()
    for i in range(len(digits)):
        for d in "0123456789":
            out.add(int(digits[:i] + d + digits[i + 1 :]))
        if i + 1 < len(digits):
            out.add(int(digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]))
    return {n for n in out if 0 < n < 2**31}


def _plain(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def _by_police_reference(text: str, visible: ColumnElement[bool]) -> Matches:
    wanted = _plain(text)
    if len(wanted) < 3:
        raise SearchInvalid("Police reference: enter at least 3 letters or digits")
    column = func.upper(Referral.police_reference)
    # Candidates share its start or its end; the edit distance decides.
    prefilter = or_(column.like(f"{text.upper()[:3]}%"), column.like(f"%{text.upper()[-3:]}"))
    rows = db.session.execute(
        select(Referral.id, Referral.police_reference)
        .where(Referral.police_reference.is_not(None), prefilter, visible)
        .order_by(Referral.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    matches: Matches = {}
    for referral_id, reference in rows:
        plain = _plain(reference)
        if plain == wanted:
            _add(matches, referral_id, True)
        elif edit_distance(plain, wanted) <= (1 if len(wanted) <= 6 else 2):
            _add(matches, referral_id, False)
    return matches


def _by_name(text: str, visible: ColumnElement[bool]) -> Matches:
    parts = normalise_name(text).split(" ")
    if len(parts) < 2:
        raise SearchInvalid("Name: enter a first name and a last name")
    first, last = parts[0], " ".join(parts[1:])
    initials = {first[0], last[0]}
    prefilter = or_(
        *[
            or_(
                func.lower(PersonDetails.first_name).like(f"{i}%"),
                func.lower(PersonDetails.last_name).like(f"{i}%"),
            )
            for i in sorted(initials)
        ]
    )
    matches: Matches = {}
    for row in _details_rows(prefilter, visible, MAX_CANDIDATES):
        other_first, other_last = normalise_name(row.first_name), normalise_name(row.last_name)
        exact = (other_first, other_last) in ((first, last), (last, first))
        if exact or similar_names(first, last, other_first, other_last):
            _add(matches, row.referral_id, exact, row.role)
    return matches


def parse_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(" ".join(text.split()), pattern).date()
        except ValueError:
            continue
    return None


def _near_dates(day: date) -> set[date]:
    """Likely mistypings: day and month swapped, the year one or ten out, day digits swapped."""
    out: set[date] = set()
    candidates = [
        (day.year, day.day, day.month),
        (day.year + 1, day.month, day.day),
        (day.year - 1, day.month, day.day),
        (day.year + 10, day.month, day.day),
        (day.year - 10, day.month, day.day),
        (day.year, day.month, int(f"{day.day:02d}"[::-1])),
    ]
    for year, month, dom in candidates:
        try:
            out.add(date(year, month, dom))
        except ValueError:
            continue
    return {d for d in out if dates_within_typo(day, d)}


def _by_dob(text: str, visible: ColumnElement[bool]) -> Matches:
    wanted = parse_date(text)
    if wanted is None:
        raise SearchInvalid("Date of birth: enter a date like 31/01/1990")
    dates = _near_dates(wanted) | {wanted}
    matches: Matches = {}
    for row in _details_rows(PersonDetails.date_of_birth.in_(dates), visible, MAX_CANDIDATES):
        _add(matches, row.referral_id, row.date_of_birth == wanted, row.role)
    return matches


def _by_postcode(text: str, visible: ColumnElement[bool]) -> Matches:
    wanted = _plain(text)
    if not _POSTCODE.match(wanted):
        raise SearchInvalid("Postcode: enter a full postcode, like E15 4QQ")
    outward = wanted[:-3]
    column = func.replace(func.upper(PersonDetails.postcode), " ", "")
    condition = and_(PersonDetails.postcode.is_not(None), column.like(f"{outward}%"))
    matches: Matches = {}
    for row in _details_rows(condition, visible, MAX_CANDIDATES):
        plain = _plain(row.postcode or "")
        if plain == wanted:
            _add(matches, row.referral_id, True, row.role)
        elif plain[:-3] == outward and edit_distance(plain[-3:], wanted[-3:]) <= 1:
            _add(matches, row.referral_id, False, row.role)
    return matches


_FINDERS = {
    "reference": _by_reference,
    "police_reference": _by_police_reference,
    "name": _by_name,
    "dob": _by_dob,
    "postcode": _by_postcode,
}
