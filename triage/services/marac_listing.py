"""MARAC listings: listing a case at the earliest meeting with room, moving a case, and
cancelling a meeting (its cases are listed again further on). See docs/marac.md.

A partial unique index keeps one active listing per referral; the meeting row lock
(`marac_meetings.lock_meeting`) makes counting its places safe under concurrency.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from triage import marac_rules
from triage.extensions import db
from triage.marac_rules import MaracSettings
from triage.models import MaracListing, MaracMeeting, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.services.marac_meetings import (
    ACTIVE,
    COUNTED,
    MAX_WEEKS_AHEAD,
    MaracError,
    NotEligible,
    count_listed,
    ensure_meetings,
    is_postgres,
    listed_counts,
    lock_meeting,
    require_reason,
)
from triage.workdays import WorkingCalendar


def active_listing(referral_id: int) -> MaracListing | None:
    return db.session.scalar(
        select(MaracListing).where(
            MaracListing.referral_id == referral_id, MaracListing.status == ACTIVE
        )
    )


def _criteria(referral: Referral) -> list[str]:
    return list((referral.assessment or {}).get("marac_criteria") or [])


def list_referral(
    referral_id: int,
    *,
    now: datetime,
    actor: Actor,
    settings: MaracSettings,
    calendar: WorkingCalendar,
) -> MaracListing:
    """List a MARAC case at the earliest meeting whose cut-off has not passed and which has
    room. Idempotent: a referral that is already listed (or heard) gets that listing back,
    unaudited."""
    query = select(Referral).where(Referral.id == referral_id)
    if is_postgres():
        # Serialise listings of one referral (two jobs at once): the second sees the first's.
        query = query.with_for_update()
    referral = db.session.scalars(query).one_or_none()
    if referral is None:
        raise MaracError("That referral does not exist")
    # Listed, or already heard: either way this referral has had its MARAC listing.
    existing = db.session.scalar(
        select(MaracListing)
        .where(MaracListing.referral_id == referral_id, MaracListing.status.in_(COUNTED))
        .order_by(MaracListing.listed_at.desc(), MaracListing.id.desc())
        .limit(1)
    )
    if existing is not None:
        return existing
    if not referral.marac:
        raise NotEligible("This referral does not meet the MARAC criteria")
    listing = _allocate(referral, now=now, actor=actor, settings=settings, calendar=calendar)
    audit.record(
        "marac.list",
        actor,
        object_type="marac_listing",
        object_id=listing.id,
        details={
            "referral_id": referral.id,
            "meeting_id": listing.meeting_id,
            "criteria": listing.criteria,
            "pushed_from_meeting_id": listing.pushed_from_meeting_id,
        },
        now=now,
    )
    return listing


def _candidates(now: datetime, exclude: set[int]) -> list[MaracMeeting]:
    query = (
        select(MaracMeeting)
        .where(MaracMeeting.status == "scheduled", MaracMeeting.cutoff_at >= now)
        .order_by(MaracMeeting.starts_at)
    )
    return [m for m in db.session.scalars(query) if m.id not in exclude]


def _allocate(
    referral: Referral,
    *,
    now: datetime,
    actor: Actor,
    settings: MaracSettings,
    calendar: WorkingCalendar,
    pushed_from: MaracMeeting | None = None,
    template: MaracListing | None = None,
) -> MaracListing:
    """Place the referral at the first open meeting with room, creating meetings when none
    is in reach. `pushed_from` is the cancelled meeting it comes from, if any."""
    exclude = {pushed_from.id} if pushed_from is not None else set()
    first_full: MaracMeeting | None = None
    tried: set[int] = set()
    step = max(1, settings.weeks_ahead)
    weeks = step
    while True:
        candidates = _candidates(now, exclude | tried)
        # One unlocked count to skip meetings already full; the lock below re-counts.
        counts = listed_counts([c.id for c in candidates])
        for candidate in candidates:
            tried.add(candidate.id)
            if counts.get(candidate.id, 0) >= candidate.capacity:
                first_full = first_full or candidate
                continue
            meeting = lock_meeting(candidate.id)  # then count: the lock makes it safe
            if not marac_rules.open_for_listing(meeting, now):
                continue
            if count_listed(meeting.id) < meeting.capacity:
                origin = pushed_from or first_full
                return _place(referral, meeting, now=now, pushed_from=origin, template=template)
            first_full = first_full or meeting
        if weeks > MAX_WEEKS_AHEAD:
            raise MaracError("No MARAC meeting with room in the next two years")
        ensure_meetings(now=now, weeks=weeks, actor=actor, settings=settings, calendar=calendar)
        weeks += step


def _place(
    referral: Referral,
    meeting: MaracMeeting,
    *,
    now: datetime,
    pushed_from: MaracMeeting | None,
    template: MaracListing | None = None,
) -> MaracListing:
    criteria = list(template.criteria) if template is not None else _criteria(referral)
    # A case once moved away from this meeting and now back reuses its row (unique pair).
    listing = db.session.scalar(
        select(MaracListing).where(
            MaracListing.referral_id == referral.id, MaracListing.meeting_id == meeting.id
        )
    )
    if listing is None:
        listing = MaracListing(referral_id=referral.id, meeting_id=meeting.id)
        db.session.add(listing)
    listing.status = ACTIVE
    listing.criteria = criteria
    listing.has_children = (referral.children_in_household or 0) > 0
    listing.is_repeat = "repeat" in criteria
    listing.pushed_from_meeting_id = pushed_from.id if pushed_from is not None else None
    listing.move_reason = None
    listing.listed_at = now
    listing.heard_at = None
    db.session.flush()
    return listing


def move_listing(
    listing_id: int,
    to_meeting_id: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
) -> MaracListing:
    """The coordinator moves a case to another meeting, with a reason; capacity holds."""
    reason = require_reason(reason)
    query = select(MaracListing).where(MaracListing.id == listing_id)
    if is_postgres():
        query = query.with_for_update()  # two moves of one case at once: the second waits
    listing = db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if listing is None or listing.status != ACTIVE:
        raise MaracError("That case is no longer listed")
    if listing.meeting_id == to_meeting_id:
        raise MaracError("Choose a different meeting", "to_meeting_id")
    target = lock_meeting(to_meeting_id)
    if target.status != "scheduled":
        raise MaracError("That meeting is not scheduled", "to_meeting_id")
    if target.starts_at <= now:
        raise MaracError("That meeting has already started", "to_meeting_id")
    if count_listed(target.id) >= target.capacity:
        raise MaracError("That meeting is full", "to_meeting_id")
    from_meeting_id = listing.meeting_id
    listing.status = "moved"
    db.session.flush()
    new = _place(listing.referral, target, now=now, pushed_from=None, template=listing)
    new.move_reason = reason
    new.pushed_from_meeting_id = listing.pushed_from_meeting_id
    db.session.flush()
    audit.record(
        "marac.listing.move",
        actor,
        object_type="marac_listing",
        object_id=new.id,
        details={
            "referral_id": listing.referral_id,
            "from_meeting_id": from_meeting_id,
            "to_meeting_id": target.id,
            "old_listing_id": listing.id,
            "reason_given": True,  # G16: the text is the listing's move_reason
        },
        reason="moved_by_coordinator",
        now=now,
    )
    return new


def defer_listing(
    listing: MaracListing, *, actor: Actor, now: datetime, day_label: str
) -> MaracListing:
    """The meeting deferred a case to the next meeting: the heard listing becomes `deferred`
    (it was not heard, and frees no place retroactively), and the case is listed at the
    earliest later scheduled meeting that has room, whatever its cut-off (agencies already
    know the case). Caller records the outcome and commits."""
    later = db.session.scalars(
        select(MaracMeeting.id)
        .where(MaracMeeting.status == "scheduled", MaracMeeting.starts_at > now)
        .order_by(MaracMeeting.starts_at)
    ).all()
    for meeting_id in later:
        target = lock_meeting(meeting_id)
        if count_listed(target.id) >= target.capacity:
            continue
        listing.status = "deferred"
        db.session.flush()
        new = _place(listing.referral, target, now=now, pushed_from=None, template=listing)
        new.move_reason = f"Deferred at the meeting of {day_label}"
        db.session.flush()
        audit.record(
            "marac.listing.defer",
            actor,
            object_type="marac_listing",
            object_id=new.id,
            details={
                "referral_id": listing.referral_id,
                "from_meeting_id": listing.meeting_id,
                "to_meeting_id": target.id,
                "old_listing_id": listing.id,
            },
            now=now,
        )
        return new
    raise MaracError("No later meeting has room for this case: add a meeting first", "outcome")


def cancel_meeting(
    meeting_id: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    settings: MaracSettings,
    calendar: WorkingCalendar,
) -> list[MaracListing]:
    """Cancel a meeting and list each of its cases at the next available meeting, marked as
    pushed from this one. Returns the new listings."""
    reason = require_reason(reason)
    meeting = lock_meeting(meeting_id)
    if meeting.status != "scheduled":
        raise MaracError("Only a scheduled meeting can be cancelled")
    meeting.status = "cancelled"
    meeting.note = f"Cancelled: {reason}"
    db.session.flush()
    audit.record(
        "marac.meeting.cancel",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={"starts_at": meeting.starts_at.isoformat(), "reason_given": True},
        reason="meeting_cancelled",  # G16: the text is the meeting's note
        now=now,
    )
    query = (
        select(MaracListing)
        .where(MaracListing.meeting_id == meeting.id, MaracListing.status == ACTIVE)
        .order_by(MaracListing.listed_at, MaracListing.id)
    )
    if is_postgres():
        query = query.with_for_update()  # a case being moved right now is skipped, not doubled
    moved = db.session.scalars(query.execution_options(populate_existing=True)).all()
    result = []
    for old in moved:
        old.status = "moved"
        db.session.flush()  # free the one-active-listing slot before the new row
        new = _allocate(
            old.referral,
            now=now,
            actor=actor,
            settings=settings,
            calendar=calendar,
            pushed_from=meeting,
            template=old,
        )
        new.move_reason = f"Meeting cancelled: {reason}"
        db.session.flush()
        audit.record(
            "marac.listing.relist",
            actor,
            object_type="marac_listing",
            object_id=new.id,
            details={
                "referral_id": old.referral_id,
                "from_meeting_id": meeting.id,
                "to_meeting_id": new.meeting_id,
                "old_listing_id": old.id,
                "reason_given": True,  # G16: the text is the listing's move_reason
            },
            reason="meeting_cancelled",
            now=now,
        )
        result.append(new)
    return result
