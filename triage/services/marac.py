"""MARAC meetings and listings: the only code that changes them. See docs/marac.md.

Services flush and audit in the caller's transaction; the caller commits once. Capacity is
safe under concurrency: on PostgreSQL the candidate meeting row is locked (`FOR UPDATE`)
before its cases are counted; on SQLite every write transaction begins IMMEDIATE, so
writers are already serialised. A partial unique index keeps one active listing per referral.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text

from triage import marac_rules
from triage.extensions import db
from triage.marac_rules import MaracSettings
from triage.models import MaracAction, MaracListing, MaracMeeting, PersonDetails, Referral
from triage.services import audit
from triage.services.actor import Actor
from triage.workdays import WorkingCalendar

ACTIVE = "listed"
# Statuses that take a place at a meeting.
COUNTED = ("listed", "heard")
# How far ahead listing may create meetings when every existing one is full.
MAX_WEEKS_AHEAD = 104
_SCHEDULE_LOCK_KEY = 0x7472696167650004

CONFIDENTIALITY_STATEMENT = (
    "Information shared at this meeting is confidential. It is shared only to keep victims "
    "and children safe, may be used only for that purpose, and must not be passed on without "
    "the agreement of the agency that shared it. Each agency records the actions it agrees."
)


class MaracError(ValueError):
    """A MARAC change that cannot be made; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotEligible(MaracError):
    """The referral does not meet the MARAC criteria."""


def settings_from_app() -> MaracSettings:
    return MaracSettings.from_config(current_app.config)


def _calendar() -> WorkingCalendar:
    from triage.services.calendar import current_calendar

    return current_calendar()


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _lock_meeting(meeting_id: int) -> MaracMeeting:
    """Load the meeting, locking its row on PostgreSQL so counting its cases is safe."""
    query = select(MaracMeeting).where(MaracMeeting.id == meeting_id)
    if _is_postgres():
        query = query.with_for_update()
    meeting = db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if meeting is None:
        raise MaracError("That meeting does not exist")
    return meeting


def _count(meeting_id: int) -> int:
    query = select(func.count(MaracListing.id)).where(
        MaracListing.meeting_id == meeting_id, MaracListing.status.in_(COUNTED)
    )
    return int(db.session.scalar(query) or 0)


def listed_counts(meeting_ids: list[int]) -> dict[int, int]:
    if not meeting_ids:
        return {}
    query = (
        select(MaracListing.meeting_id, func.count(MaracListing.id))
        .where(MaracListing.meeting_id.in_(meeting_ids), MaracListing.status.in_(COUNTED))
        .group_by(MaracListing.meeting_id)
    )
    return {meeting_id: count for meeting_id, count in db.session.execute(query)}


# -- meetings -----------------------------------------------------------------------------


def ensure_meetings(
    *,
    now: datetime,
    weeks: int,
    actor: Actor,
    settings: MaracSettings | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[MaracMeeting]:
    """Create the scheduled meetings of the next `weeks` weeks that do not exist yet.

    Idempotent: a slot (the schedule date) that already has a row, even a moved or cancelled
    one, is left alone. Returns the meetings created.
    """
    settings = settings or settings_from_app()
    calendar = calendar or _calendar()
    if _is_postgres():
        # Two jobs generating at once would race on the unique slot; take turns instead.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEDULE_LOCK_KEY})
    planned = marac_rules.planned_meetings(calendar.local_date(now), weeks, settings, calendar)
    if not planned:
        return []
    slots = {p.slot for p in planned}
    taken_slots = set(
        db.session.scalars(
            select(MaracMeeting.scheduled_for).where(MaracMeeting.scheduled_for.in_(slots))
        )
    )
    taken_starts = set(
        db.session.scalars(
            select(MaracMeeting.starts_at).where(
                MaracMeeting.starts_at.in_([p.starts_at for p in planned])
            )
        )
    )
    created: list[MaracMeeting] = []
    for plan in planned:
        if plan.slot in taken_slots or plan.starts_at in taken_starts:
            continue
        if plan.starts_at <= now:
            continue  # today's meeting has already started: nothing to generate
        meeting = MaracMeeting(
            starts_at=plan.starts_at,
            cutoff_at=plan.cutoff_at,
            capacity=settings.capacity,
            status="scheduled",
            note=plan.note,
            scheduled_for=plan.slot,
            created_at=now,
        )
        db.session.add(meeting)
        created.append(meeting)
    db.session.flush()
    for meeting in created:
        audit.record(
            "marac.meeting.create",
            actor,
            object_type="marac_meeting",
            object_id=meeting.id,
            details={
                "starts_at": meeting.starts_at.isoformat(),
                "cutoff_at": meeting.cutoff_at.isoformat(),
                "capacity": meeting.capacity,
                "scheduled_for": meeting.scheduled_for.isoformat(),
                "note": meeting.note,
            },
            now=now,
        )
    return created


def add_meeting(
    starts_at: datetime,
    capacity: int,
    *,
    actor: Actor,
    now: datetime,
    note: str | None = None,
    settings: MaracSettings | None = None,
    calendar: WorkingCalendar | None = None,
) -> MaracMeeting:
    """An extra meeting, outside the schedule."""
    settings = settings or settings_from_app()
    calendar = calendar or _calendar()
    _check_start(starts_at, now)
    if capacity < 1:
        raise MaracError("Capacity must be at least 1", "capacity")
    meeting = MaracMeeting(
        starts_at=starts_at,
        cutoff_at=calendar.marac_cutoff(starts_at, settings.cutoff_working_days),
        capacity=capacity,
        status="scheduled",
        note=(note or "").strip() or "Extra meeting",
        created_at=now,
    )
    db.session.add(meeting)
    db.session.flush()
    audit.record(
        "marac.meeting.add",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={
            "starts_at": starts_at.isoformat(),
            "cutoff_at": meeting.cutoff_at.isoformat(),
            "capacity": capacity,
        },
        reason=meeting.note,
        now=now,
    )
    return meeting


def _check_start(starts_at: datetime, now: datetime, exclude_id: int | None = None) -> None:
    if starts_at <= now:
        raise MaracError("The meeting must start in the future", "starts_at")
    clash = select(MaracMeeting.id).where(MaracMeeting.starts_at == starts_at)
    if exclude_id is not None:
        clash = clash.where(MaracMeeting.id != exclude_id)
    if db.session.scalar(clash) is not None:
        raise MaracError("There is already a meeting at that date and time", "starts_at")


def move_meeting(
    meeting_id: int,
    new_starts_at: datetime,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    settings: MaracSettings | None = None,
    calendar: WorkingCalendar | None = None,
) -> MaracMeeting:
    """Move a meeting; its cases stay listed and its cut-off is recalculated."""
    settings = settings or settings_from_app()
    calendar = calendar or _calendar()
    reason = _require_reason(reason)
    meeting = _lock_meeting(meeting_id)
    if meeting.status != "scheduled":
        raise MaracError("Only a scheduled meeting can be moved")
    _check_start(new_starts_at, now, exclude_id=meeting.id)
    old_start, old_cutoff = meeting.starts_at, meeting.cutoff_at
    meeting.starts_at = new_starts_at
    meeting.cutoff_at = calendar.marac_cutoff(new_starts_at, settings.cutoff_working_days)
    meeting.note = f"Moved: {reason}"
    db.session.flush()
    audit.record(
        "marac.meeting.move",
        actor,
        object_type="marac_meeting",
        object_id=meeting.id,
        details={
            "starts_at": {"old": old_start.isoformat(), "new": new_starts_at.isoformat()},
            "cutoff_at": {"old": old_cutoff.isoformat(), "new": meeting.cutoff_at.isoformat()},
        },
        reason=reason,
        now=now,
    )
    return meeting


def cancel_meeting(
    meeting_id: int,
    *,
    reason: str,
    actor: Actor,
    now: datetime,
    settings: MaracSettings | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[MaracListing]:
    """Cancel a meeting and list each of its cases at the next available meeting, marked as
    pushed from this one. Returns the new listings."""
    reason = _require_reason(reason)
    meeting = _lock_meeting(meeting_id)
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
        details={"starts_at": meeting.starts_at.isoformat()},
        reason=reason,
        now=now,
    )
    query = (
        select(MaracListing)
        .where(MaracListing.meeting_id == meeting.id, MaracListing.status == ACTIVE)
        .order_by(MaracListing.listed_at, MaracListing.id)
    )
    if _is_postgres():
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
            },
            reason=reason,
            now=now,
        )
        result.append(new)
    return result


def _require_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise MaracError("Enter the reason", "reason")
    if len(reason) > 500:
        raise MaracError("The reason must be 500 characters or fewer", "reason")
    return reason


# -- listings -----------------------------------------------------------------------------


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
    settings: MaracSettings | None = None,
    calendar: WorkingCalendar | None = None,
) -> MaracListing:
    """List a MARAC case at the earliest meeting whose cut-off has not passed and which has
    room. Idempotent: a referral that is already listed (or heard) gets that listing back,
    unaudited."""
    query = select(Referral).where(Referral.id == referral_id)
    if _is_postgres():
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
    settings: MaracSettings | None,
    calendar: WorkingCalendar | None,
    pushed_from: MaracMeeting | None = None,
    template: MaracListing | None = None,
) -> MaracListing:
    """Place the referral at the first open meeting with room, creating meetings when none
    is in reach. `pushed_from` is the cancelled meeting it comes from, if any."""
    settings = settings or settings_from_app()
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
            meeting = _lock_meeting(candidate.id)  # then count: the lock makes it safe
            if not marac_rules.open_for_listing(meeting, now):
                continue
            if _count(meeting.id) < meeting.capacity:
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
    reason = _require_reason(reason)
    query = select(MaracListing).where(MaracListing.id == listing_id)
    if _is_postgres():
        query = query.with_for_update()  # two moves of one case at once: the second waits
    listing = db.session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if listing is None or listing.status != ACTIVE:
        raise MaracError("That case is no longer listed")
    if listing.meeting_id == to_meeting_id:
        raise MaracError("Choose a different meeting", "to_meeting_id")
    target = _lock_meeting(to_meeting_id)
    if target.status != "scheduled":
        raise MaracError("That meeting is not scheduled", "to_meeting_id")
    if target.starts_at <= now:
        raise MaracError("That meeting has already started", "to_meeting_id")
    if _count(target.id) >= target.capacity:
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
        },
        reason=reason,
        now=now,
    )
    return new


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingSummary:
    """What a referral page shows about the case's MARAC listing (no personal data)."""

    listing: MaracListing
    meeting: MaracMeeting
    pushed_from: MaracMeeting | None
    pushed_because: str | None
    move_reason: str | None


def listing_summary(referral_id: int) -> ListingSummary | None:
    """The referral's current (or heard) listing, with why it was pushed or moved."""
    listing = db.session.scalar(
        select(MaracListing)
        .where(MaracListing.referral_id == referral_id, MaracListing.status.in_(COUNTED))
        .order_by(MaracListing.listed_at.desc(), MaracListing.id.desc())
        .limit(1)
    )
    if listing is None:
        return None
    pushed = (
        db.session.get(MaracMeeting, listing.pushed_from_meeting_id)
        if listing.pushed_from_meeting_id
        else None
    )
    return ListingSummary(
        listing, listing.meeting, pushed, pushed_because(pushed), listing.move_reason
    )


def pushed_because(pushed_from: MaracMeeting | None) -> str | None:
    """Why a case was pushed on from a meeting: it was full, or it was cancelled."""
    if pushed_from is None:
        return None
    return "meeting cancelled" if pushed_from.status == "cancelled" else "meeting full"


@dataclass
class MeetingRow:
    meeting: MaracMeeting
    listed: int

    @property
    def full(self) -> bool:
        return self.listed >= self.meeting.capacity


def upcoming_meetings(*, now: datetime, include_past_days: int = 7) -> list[MeetingRow]:
    since = now - timedelta(days=include_past_days)
    meetings = db.session.scalars(
        select(MaracMeeting).where(MaracMeeting.starts_at >= since).order_by(MaracMeeting.starts_at)
    ).all()
    counts = listed_counts([m.id for m in meetings])
    return [MeetingRow(m, counts.get(m.id, 0)) for m in meetings]


@dataclass
class AgendaCase:
    listing: MaracListing
    referral: Referral
    victim_name: str | None
    pushed_from: MaracMeeting | None

    @property
    def pushed_because(self) -> str | None:
        return pushed_because(self.pushed_from)


@dataclass
class LapsedRepeat:
    referral: Referral
    last_heard: date
    window_ended: date
    victim_name: str | None


@dataclass
class Agenda:
    meeting: MaracMeeting
    confidentiality_statement: str
    with_children: list[AgendaCase] = field(default_factory=list)
    adult_only: list[AgendaCase] = field(default_factory=list)
    lapsed_repeats: list[LapsedRepeat] = field(default_factory=list)
    open_actions: list[MaracAction] = field(default_factory=list)
    actions: dict[int, list[MaracAction]] = field(default_factory=dict)  # by listing id

    @property
    def case_count(self) -> int:
        return len(self.with_children) + len(self.adult_only)


def _name(details: PersonDetails | None) -> str | None:
    """The name as the listed case itself recorded it (never another case's record)."""
    if details is None:
        return None
    return details.display_name


def agenda(
    meeting_id: int, *, show_names: bool = False, calendar: WorkingCalendar | None = None
) -> Agenda:
    """The meeting's agenda in SafeLives order. Names only when `show_names` (coordinator)."""
    meeting = db.session.get(MaracMeeting, meeting_id)
    if meeting is None:
        raise MaracError("That meeting does not exist")
    calendar = calendar or _calendar()
    listings = db.session.scalars(
        select(MaracListing).where(
            MaracListing.meeting_id == meeting.id, MaracListing.status.in_(COUNTED)
        )
    ).all()
    pushed_ids = {x.pushed_from_meeting_id for x in listings if x.pushed_from_meeting_id}
    pushed = {
        m.id: m
        for m in db.session.scalars(select(MaracMeeting).where(MaracMeeting.id.in_(pushed_ids)))
    }
    cases = [
        AgendaCase(
            listing=x,
            referral=x.referral,
            victim_name=_name(x.referral.victim_details) if show_names else None,
            pushed_from=pushed.get(x.pushed_from_meeting_id),
        )
        for x in listings
    ]
    children, adults = marac_rules.agenda_sections(
        cases, key=lambda c: (c.listing.has_children, c.listing.listed_at, c.listing.id)
    )
    result = Agenda(meeting, CONFIDENTIALITY_STATEMENT, children, adults)
    result.lapsed_repeats = _lapsed_repeats(meeting, show_names, calendar)
    result.open_actions = open_actions_before(meeting)
    for action in db.session.scalars(
        select(MaracAction)
        .where(MaracAction.listing_id.in_([x.id for x in listings]))
        .order_by(MaracAction.id)
    ):
        result.actions.setdefault(action.listing_id, []).append(action)
    return result


def open_actions_before(meeting: MaracMeeting) -> list[MaracAction]:
    """Actions still open from meetings held before this one, oldest meeting first."""
    query = (
        select(MaracAction)
        .join(MaracListing, MaracListing.id == MaracAction.listing_id)
        .join(MaracMeeting, MaracMeeting.id == MaracListing.meeting_id)
        .where(MaracAction.status == "open", MaracMeeting.starts_at < meeting.starts_at)
        .order_by(MaracMeeting.starts_at, MaracAction.id)
    )
    return list(db.session.scalars(query))


def _lapsed_repeats(
    meeting: MaracMeeting, show_names: bool, calendar: WorkingCalendar
) -> list[LapsedRepeat]:
    """Victims whose last listing's 12-month repeat window ended since the previous meeting
    (or in the week before, for the first meeting) and who have no newer listing."""
    previous = db.session.scalar(
        select(func.max(MaracMeeting.starts_at)).where(
            MaracMeeting.starts_at < meeting.starts_at, MaracMeeting.status != "cancelled"
        )
    )
    upto = calendar.local_date(meeting.starts_at)
    after = calendar.local_date(previous) if previous else upto - timedelta(days=7)
    # Each victim's latest hearing (or listing) date among meetings that were not cancelled.
    latest = (
        select(
            Referral.victim_id.label("victim_id"),
            func.max(MaracMeeting.starts_at).label("last_at"),
        )
        .join(MaracListing, MaracListing.referral_id == Referral.id)
        .join(MaracMeeting, MaracMeeting.id == MaracListing.meeting_id)
        .where(MaracListing.status.in_(COUNTED), MaracMeeting.status != "cancelled")
        .group_by(Referral.victim_id)
        .subquery()
    )
    # Only windows that could have ended in (after, upto]: last hearing 12 months before.
    earliest = datetime.combine(marac_rules.add_months(after, -13), datetime.min.time(), UTC)
    latest_allowed = datetime.combine(marac_rules.add_months(upto, -11), datetime.min.time(), UTC)
    rows = db.session.execute(
        select(latest.c.victim_id, latest.c.last_at).where(
            latest.c.last_at >= earliest, latest.c.last_at < latest_allowed
        )
    ).all()
    result = []
    for victim_id, last_at in rows:
        last_at = last_at if last_at.tzinfo else last_at.replace(tzinfo=UTC)
        last_heard = calendar.local_date(last_at)
        if not marac_rules.lapsed_in_window(last_heard, after, upto):
            continue
        referral = db.session.scalar(
            select(Referral)
            .join(MaracListing, MaracListing.referral_id == Referral.id)
            .join(MaracMeeting, MaracMeeting.id == MaracListing.meeting_id)
            .where(Referral.victim_id == victim_id, MaracListing.status.in_(COUNTED))
            .order_by(MaracMeeting.starts_at.desc())
            .limit(1)
        )
        result.append(
            LapsedRepeat(
                referral=referral,
                last_heard=last_heard,
                window_ended=marac_rules.repeat_window_ends(last_heard),
                victim_name=_name(referral.victim_details) if show_names else None,
            )
        )
    result.sort(key=lambda r: (r.window_ended, r.referral.id))
    return result
