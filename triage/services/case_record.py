"""The case record on the referral page: a timeline of this victim's referrals and of
everything recorded on the ones the reader may see (assessments, screening decisions,
contact attempts and offers, MARAC listings with outcomes and actions, closure), and the
victim's safe-contact details for those who contact victims.

Read only, and a fixed number of queries whatever the history's length (one per kind of
entry). Visibility is `triage.permissions.visible_referrals_clause`, asked inside the first
query: an earlier referral the reader may not see appears as "an earlier referral (not
shared with you)" with its date only (docs/people.md), and nothing recorded on it is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import aliased

from triage.extensions import db
from triage.models import (
    AssessmentRecord,
    MaracAction,
    MaracListing,
    MaracMeeting,
    Offer,
    PersonDetails,
    Referral,
    ScreeningDecision,
    User,
)
from triage.models.screening import ROUTES
from triage.permissions import visible_referrals_clause
from triage.permissions.cases import can, has_capability
from triage.vocabulary import RISK_LEVEL_LABELS

# Offers-table outcomes that did not reach the victim: attempts, not offers (issue 9).
ATTEMPT_OUTCOMES = {"no_contact": "No contact made", "unsafe_to_contact": "Unsafe to contact"}
OFFER_OUTCOMES = {"accepted": "Accepted", "declined": "Declined"}
# The capability held by the roles who contact victims (IDVAs, screeners, the S2S lead).
CONTACTS_VICTIMS = "offer.record"


@dataclass(frozen=True)
class Entry:
    """One line of the timeline. `referral_id` is None for a referral the reader may not
    see (then only `at` and `title` are set); `link` names what the entry may link to."""

    at: datetime
    kind: str  # referral / assessment / decision / attempt / offer / marac / action / closure
    title: str
    detail: str | None
    referral_id: int | None
    reference: str | None
    this_case: bool
    same_perpetrator: bool = False
    link: str | None = None  # "referral" / "decision" / "meeting"
    link_id: int | None = None
    meeting_at: datetime | None = None
    recorded_at: datetime | None = None  # when it was written, if not `at` (a contact's time)


@dataclass(frozen=True)
class SafeContact:
    phone: str | None
    safe_to_call: bool | None
    safe_to_leave_message: bool | None
    safe_to_write: bool | None
    safe_times: str | None


def may_see_safe_contact(user: Any, referral: Referral) -> bool:
    """Only those who contact victims (IDVAs, screeners, the S2S lead) and may see the case;
    never referrers from other agencies or MARAC coordinators."""
    return has_capability(user, CONTACTS_VICTIMS) and can(user, "referral.view", referral)


def safe_contact(referral: Referral) -> SafeContact | None:
    """What this referral recorded about contacting its victim (None: no victim record)."""
    details: PersonDetails | None = referral.victim_details
    if details is None:
        return None
    return SafeContact(
        phone=details.phone,
        safe_to_call=details.safe_to_call,
        safe_to_leave_message=details.safe_to_leave_message,
        safe_to_write=details.safe_to_write,
        safe_times=details.safe_times,
    )


def timeline(referral: Referral, user: User) -> list[Entry]:
    """Every entry of the victim's case record the reader may see, newest first."""
    cases = _cases(referral, user)
    visible = {row.id: row for row in cases if row.visible}
    entries = [e for row in cases for e in _case_entries(row, referral)]
    if visible:
        ids = list(visible)
        refs = {i: f"R{i:06d}" for i in ids}
        entries += _assessments(ids, refs, visible, referral.id)
        entries += _decisions(
            ids, refs, referral.id, can_screen=has_capability(user, "referral.screen")
        )
        entries += _contacts(ids, refs, referral.id)
        entries += _marac(ids, refs, referral.id, meetings=has_capability(user, "marac.view"))
    return sorted(entries, key=_newest_first, reverse=True)


def _newest_first(entry: Entry) -> tuple:
    """The page shows minutes: within one, what was recorded later comes first (a contact's
    time is given to the minute, so by itself it sorts before a decision made seconds earlier)."""
    minute = entry.at.replace(second=0, microsecond=0)
    return (minute, entry.recorded_at or entry.at, _ORDER.get(entry.kind, 9))


_ORDER = {"referral": 0, "assessment": 1, "decision": 2, "attempt": 3, "offer": 3, "marac": 4}


def _cases(referral: Referral, user: User) -> list[Any]:
    """This victim's referrals, each marked visible or not (one query)."""
    clause = visible_referrals_clause(user)
    visible = case((clause, True), else_=False)
    query = (
        select(
            Referral.id,
            Referral.received_at,
            Referral.created_at,
            Referral.perpetrator_id,
            Referral.closed_at,
            Referral.status,
            Referral.risk_level,
            Referral.score,
            Referral.ruleset_version,
            visible.label("visible"),
        )
        .where(Referral.victim_id == referral.victim_id)
        .order_by(Referral.received_at, Referral.id)
    )
    return list(db.session.execute(query))


def _case_entries(row: Any, referral: Referral) -> list[Entry]:
    this_case = row.id == referral.id
    if not row.visible:
        title = "An earlier referral (not shared with you)"
        if row.received_at > referral.received_at:
            title = "A later referral (not shared with you)"
        return [Entry(row.received_at, "referral", title, None, None, None, False)]
    same = bool(
        not this_case and referral.perpetrator_id and row.perpetrator_id == referral.perpetrator_id
    )
    reference = f"R{row.id:06d}"
    title = "This referral received" if this_case else f"Referral {reference} received"
    found = [
        Entry(
            row.received_at,
            "referral",
            title,
            "Same perpetrator as this referral" if same else None,
            row.id,
            reference,
            this_case,
            same_perpetrator=same,
            link=None if this_case else "referral",
            link_id=row.id,
        )
    ]
    if row.closed_at is not None:
        found.append(
            Entry(row.closed_at, "closure", "Case closed", None, row.id, reference, this_case)
        )
    return found


def _assessments(
    ids: list[int], refs: dict[int, str], visible: dict[int, Any], this_id: int
) -> list[Entry]:
    query = select(AssessmentRecord).where(AssessmentRecord.referral_id.in_(ids))
    rows = list(db.session.scalars(query))
    kept = {r.referral_id for r in rows}
    found: list[Entry] = []
    for rid in ids:  # no history yet: the intake assessment is the one on the referral
        if rid not in kept:
            case_row = visible[rid]
            found.append(
                _assessment_entry(
                    rid,
                    refs,
                    this_id,
                    case_row.created_at or case_row.received_at,
                    "intake",
                    case_row.risk_level,
                    case_row.score,
                )
            )
    for r in rows:
        score = (r.assessment or {}).get("score")
        found.append(
            _assessment_entry(
                r.referral_id, refs, this_id, r.recorded_at, r.cause, r.risk_level, score
            )
        )
    return found


def _assessment_entry(
    rid: int, refs: dict[int, str], this_id: int, at: datetime, cause: str, level: str, score: Any
) -> Entry:
    label = RISK_LEVEL_LABELS.get(level, level)
    if cause == "professional_judgement":
        title = f"Risk raised to {label} by professional judgement"
    elif cause == "match_linked":
        title = f"Re-assessed after linking an earlier referral: {label} risk"
    else:
        title = f"Assessed: {label} risk"
    detail = f"Dash score {score}" if score is not None else None
    return Entry(at, "assessment", title, detail, rid, refs[rid], rid == this_id)


def _decisions(
    ids: list[int], refs: dict[int, str], this_id: int, *, can_screen: bool
) -> list[Entry]:
    owner, by = aliased(User), aliased(User)
    query = (
        select(ScreeningDecision, owner.name, by.name)
        .join(owner, owner.id == ScreeningDecision.owner_id)
        .outerjoin(by, by.id == ScreeningDecision.decided_by_id)
        .where(ScreeningDecision.referral_id.in_(ids))
    )
    found = []
    for d, owner_name, by_name in db.session.execute(query):
        title = f"Screening decision v{d.version}: {ROUTES.get(d.route, d.route)}"
        detail = f"Owner {owner_name}; decided by {by_name or 'the system'}"
        found.append(
            Entry(
                d.decided_at,
                "decision",
                title,
                detail,
                d.referral_id,
                refs[d.referral_id],
                d.referral_id == this_id,
                link="decision" if can_screen else None,
                link_id=d.referral_id,
            )
        )
    return found


def _contacts(ids: list[int], refs: dict[int, str], this_id: int) -> list[Entry]:
    query = select(
        Offer.referral_id, Offer.made_at, Offer.method, Offer.outcome, Offer.created_at
    ).where(Offer.referral_id.in_(ids))
    found = []
    for rid, made_at, method, outcome, created_at in db.session.execute(query):
        if outcome in ATTEMPT_OUTCOMES:
            kind, title = "attempt", f"Contact attempt: {ATTEMPT_OUTCOMES[outcome]}"
        else:
            kind, title = "offer", f"Support offer: {OFFER_OUTCOMES.get(outcome, outcome)}"
        found.append(
            Entry(
                made_at,
                kind,
                title,
                f"By {method.replace('_', ' ')}",
                rid,
                refs[rid],
                rid == this_id,
                recorded_at=created_at,
            )
        )
    return found


def _marac(ids: list[int], refs: dict[int, str], this_id: int, *, meetings: bool) -> list[Entry]:
    query = (
        select(MaracListing, MaracMeeting.starts_at)
        .join(MaracMeeting, MaracMeeting.id == MaracListing.meeting_id)
        .where(MaracListing.referral_id.in_(ids))
    )
    listings = list(db.session.execute(query))
    found = []
    for listing, starts_at in listings:
        rid = listing.referral_id
        status = {"heard": "heard", "moved": "moved", "listed": "listed"}.get(
            listing.status, listing.status
        )
        title = f"MARAC: {status} for the meeting on"
        found.append(
            Entry(
                listing.heard_at or listing.listed_at,
                "marac",
                title,
                "Repeat" if listing.is_repeat else None,
                rid,
                refs[rid],
                rid == this_id,
                link="meeting" if meetings else None,
                link_id=listing.meeting_id,
                meeting_at=starts_at,
            )
        )
    by_listing = {listing.id: listing.referral_id for listing, _ in listings}
    if by_listing:
        actions = select(MaracAction).where(MaracAction.listing_id.in_(list(by_listing)))
        for a in db.session.scalars(actions):
            rid = by_listing[a.listing_id]
            due = f", due {a.due_on:%d %B %Y}" if a.due_on else ""
            title = (
                f"MARAC action for {a.agency.replace('_', ' ')}: {a.status.replace('_', ' ')}{due}"
            )
            found.append(
                Entry(a.created_at, "action", title, a.description, rid, refs[rid], rid == this_id)
            )
    return found
