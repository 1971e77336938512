"""Data lifecycle: closing a referral starts its retention period; past it, the purge erases
free text and contact details and anonymises people no longer in a live referral (the
subject-access export is in `triage.services.subject_access`).

Every step is audited with metadata only, in the caller's transaction; the caller commits.
The numbers (score, risk level, MARAC and MCIC flags, the Dash answers as codes, dates)
are kept after the purge, so the timeliness and SafeLives figures stay reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from triage.extensions import db
from triage.models import MaracAction, MaracListing, Person, Referral, User
from triage.permissions import has_capability
from triage.services import audit, drafts, notifications, person_details
from triage.services.actor import Actor

LONDON = ZoneInfo("Europe/London")
ERASED = "Erased"
REASON_MAX = 500
# Free text kept inside the stored facts (JSON): blanked by the purge.
_FREE_TEXT_FACTS = ("professional_judgement_reason",)


class LifecycleError(ValueError):
    """A lifecycle step that cannot be done (unknown referral, already closed...)."""


@dataclass
class PurgeReport:
    referrals: list[int] = field(default_factory=list)
    persons: list[int] = field(default_factory=list)
    drafts: int = 0

    def as_dict(self) -> dict:
        return {
            "referrals": len(self.referrals),
            "persons": len(self.persons),
            "drafts": self.drafts,
        }


def retention_until(closed_at: datetime, years: int) -> date:
    """The London calendar date `years` after closure (29 February falls back to the 28th)."""
    closed_day = closed_at.astimezone(LONDON).date()
    try:
        return closed_day.replace(year=closed_day.year + years)
    except ValueError:
        return closed_day.replace(year=closed_day.year + years, day=28)


CLOSURE_REASONS: dict[str, str] = {
    "offer_declined": "Support offer declined, no further action",
    "no_contact": "No contact possible after attempts",
    "referred_elsewhere": "Referred to another service",
    "support_completed": "Support completed",
    "moved_away": "Moved out of the area",
    "duplicate": "Duplicate referral",
    "other": "Other",
}
# Reasons that say nothing without a detail (which service, what else).
DETAIL_REQUIRED = frozenset({"referred_elsewhere", "other"})
CLOSE_OVERRIDE = "referral.close_override"


@dataclass(frozen=True)
class CloseBlockers:
    """What stops a case being closed: its open MARAC listings and open MARAC actions."""

    listings: list[MaracListing]
    actions: list[MaracAction]

    def __bool__(self) -> bool:
        return bool(self.listings or self.actions)


class CloseRefused(LifecycleError):
    """Closing refused because the case is still open at MARAC (the blockers say where)."""

    def __init__(self, reference: str, blockers: CloseBlockers):
        super().__init__(
            f"Referral {reference} cannot be closed while it has an open MARAC listing "
            "or open MARAC actions"
        )
        self.blockers = blockers


def close_blockers(referral_id: int) -> CloseBlockers:
    """The case's active MARAC listings and its actions still open, in a stable order."""
    listings = db.session.scalars(
        select(MaracListing)
        .where(MaracListing.referral_id == referral_id, MaracListing.status == "listed")
        .order_by(MaracListing.id)
    ).all()
    actions = db.session.scalars(
        select(MaracAction)
        .join(MaracListing, MaracAction.listing_id == MaracListing.id)
        .where(MaracListing.referral_id == referral_id, MaracAction.status == "open")
        .order_by(MaracAction.due_on, MaracAction.id)
    ).all()
    return CloseBlockers(list(listings), list(actions))


def check_closure_reason(reason: str | None, detail: str | None) -> tuple[str, str]:
    """The reason code and the stripped detail, or a LifecycleError naming the field."""
    code = (reason or "").strip()
    if code not in CLOSURE_REASONS:
        raise LifecycleError("Reason for closing: select why the case is being closed")
    text = (detail or "").strip()
    if code in DETAIL_REQUIRED and not text:
        raise LifecycleError(
            f"Details: say more about why the case is closed ({CLOSURE_REASONS[code].lower()})"
        )
    if len(text) > REASON_MAX:
        raise LifecycleError(f"Details must be {REASON_MAX} characters or fewer")
    return code, text


def may_override(actor: Actor) -> bool:
    """May this actor close a case that is still open at MARAC (the S2S lead)?"""
    user = db.session.get(User, actor.user_id) if actor.user_id is not None else None
    return has_capability(user, CLOSE_OVERRIDE)


def close_referral(
    referral_id: int,
    *,
    reason: str,
    detail: str | None = None,
    override: bool = False,
    actor: Actor,
    now: datetime,
    years: int,
) -> Referral:
    """Close a referral with a reason code (and detail), and set its retention date.

    A case with an open MARAC listing or open actions is refused (`CloseRefused`), unless
    `override` is asked for by someone who may: then its listing is withdrawn and the MARAC
    coordinators are told. Audited `referral.close` with the code and whether a detail was
    given, never the detail itself (it is free text, kept on the row for the purge to erase).
    """
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        raise LifecycleError("No such referral")
    if referral.status == "closed":
        raise LifecycleError(f"Referral {referral.reference} is already closed")
    code, text = check_closure_reason(reason, detail)
    blockers = close_blockers(referral.id)
    if blockers and not (override and may_override(actor)):
        raise CloseRefused(referral.reference, blockers)
    before = _lifecycle_fields(referral)
    referral.status = "closed"
    referral.closed_at = now.replace(microsecond=0)
    referral.retention_until = retention_until(now, years)
    referral.closure_reason = code
    referral.closure_detail = text or None
    withdrawn = _withdraw(referral, blockers, actor=actor, now=now) if blockers else []
    db.session.flush()
    audit.record(
        "referral.close",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "reason_code": code,
            "detail_given": bool(text),
            "override": bool(blockers),
            "withdrawn_listings": [x.id for x in withdrawn],
            "open_actions": [x.id for x in blockers.actions],
            "changes": audit.diff(before, _lifecycle_fields(referral)),
            "reason_given": True,
        },
        now=now,
    )
    return referral


def _withdraw(
    referral: Referral, blockers: CloseBlockers, *, actor: Actor, now: datetime
) -> list[MaracListing]:
    """Withdraw the active listings (off the agenda and its count) and tell the coordinators."""
    for listing in blockers.listings:
        listing.status = "withdrawn"
        audit.record(
            "marac.listing.withdraw",
            actor,
            object_type="marac_listing",
            object_id=listing.id,
            details={"reference": referral.reference, "meeting_id": listing.meeting_id},
            now=now,
        )
    notifications.notify(
        notifications.users_with_role("marac_coordinator"),
        kind="marac_case_closed",
        message=_coordinator_message(referral, blockers),
        now=now,
        referral_id=referral.id,
    )
    return blockers.listings


def _coordinator_message(referral: Referral, blockers: CloseBlockers) -> str:
    # A reference and dates only: notifications never name a person.
    parts = [f"Referral {referral.reference} was closed by the S2S lead."]
    for listing in blockers.listings:
        day = listing.meeting.starts_at.astimezone(LONDON)
        parts.append(f"Its listing for the meeting on {day:%-d %B %Y} was withdrawn.")
    if blockers.actions:
        count = len(blockers.actions)
        parts.append(f"{count} open MARAC action{'s' if count != 1 else ''} still to settle.")
    return " ".join(parts)


def _lifecycle_fields(referral: Referral) -> dict[str, Any]:
    return {
        "status": referral.status,
        "closed_at": referral.closed_at.isoformat() if referral.closed_at else None,
        "retention_until": (
            referral.retention_until.isoformat() if referral.retention_until else None
        ),
    }


def is_erased(referral: Referral) -> bool:
    return referral.referrer_name == ERASED


def _scrub_facts(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: ("" if key in _FREE_TEXT_FACTS else _scrub_facts(inner))
            for key, inner in value.items()
        }
    if isinstance(value, list):
        return [_scrub_facts(inner) for inner in value]
    return value


def _erase_referral(referral: Referral, *, actor: Actor, now: datetime) -> None:
    referral.detail = None
    referral.answer_details = {}
    referral.referrer_name = ERASED
    referral.referrer_contact = None
    referral.police_reference = None
    referral.dash_completed_by = None
    referral.closure_detail = None
    referral.answers = _scrub_facts(dict(referral.answers or {}))
    referral.assessment = _scrub_facts(dict(referral.assessment or {}))
    for offer in referral.offers:
        offer.notes = None
        offer.late_reason_detail = None
    for listing in db.session.scalars(
        select(MaracListing).where(MaracListing.referral_id == referral.id)
    ):
        listing.move_reason = None
    for action in db.session.scalars(
        select(MaracAction)
        .join(MaracListing, MaracAction.listing_id == MaracListing.id)
        .where(MaracListing.referral_id == referral.id)
    ):
        action.description = ERASED  # the agency, dates and status stay for the reports
        action.status_note = None
    person_details.erase(referral, erased=ERASED, now=now.replace(microsecond=0))
    audit.record(
        "referral.erase",
        actor,
        object_type="referral",
        object_id=referral.id,
        details={
            "reference": referral.reference,
            "retention_until": referral.retention_until.isoformat()
            if referral.retention_until
            else None,
        },
        now=now,
    )


def _still_referenced(person_id: int) -> bool:
    """Is the person in a referral that has not been erased?"""
    query = select(Referral.id).where(
        or_(Referral.victim_id == person_id, Referral.perpetrator_id == person_id),
        Referral.referrer_name != ERASED,
    )
    return db.session.scalar(query.limit(1)) is not None


def _anonymise_person(person: Person, *, actor: Actor, now: datetime) -> None:
    # What the referrals recorded is erased with each referral; this is the matching key.
    person.match_name = ERASED.lower()
    person.date_of_birth = None
    person.anonymised_at = now.replace(microsecond=0)
    db.session.flush()
    audit.record("person.anonymise", actor, object_type="person", object_id=person.id, now=now)


def purge_expired(*, now: datetime, actor: Actor) -> PurgeReport:
    """Erase referrals past their retention date, anonymise people left in none live, and
    delete referral drafts nobody has saved for `drafts.DRAFT_KEEP_DAYS` days.

    Safe to run twice: an erased referral or an anonymised person is not touched again.
    """
    today = now.astimezone(LONDON).date()
    due = db.session.scalars(
        select(Referral)
        .where(
            Referral.status == "closed",
            Referral.retention_until.is_not(None),
            Referral.retention_until < today,
            Referral.referrer_name != ERASED,
        )
        .order_by(Referral.id)
    ).all()
    report = PurgeReport()
    candidates: set[int] = set()
    for referral in due:
        _erase_referral(referral, actor=actor, now=now)
        report.referrals.append(referral.id)
        candidates.add(referral.victim_id)
        if referral.perpetrator_id is not None:
            candidates.add(referral.perpetrator_id)
    for person_id in sorted(candidates):
        person = db.session.get(Person, person_id)
        if person is None or person.anonymised_at is not None or _still_referenced(person_id):
            continue
        _anonymise_person(person, actor=actor, now=now)
        report.persons.append(person_id)
    report.drafts = drafts.purge_stale(now)
    audit.record("lifecycle.purge", actor, details=report.as_dict(), now=now)
    return report
