"""MARAC agendas and summaries: what the meeting pages and a referral page read.

Queries only, apart from `open_agenda`, which records that an agenda was seen (it is a
disclosure of the listed cases). See docs/marac.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from triage import marac_rules
from triage.extensions import db
from triage.models import (
    MaracAction,
    MaracListing,
    MaracMeeting,
    PersonDetails,
    Referral,
    User,
)
from triage.permissions import visible_referrals_clause
from triage.services import audit
from triage.services.actor import Actor
from triage.services.marac_meetings import COUNTED, MaracError, listed_counts
from triage.workdays import WorkingCalendar

CONFIDENTIALITY_STATEMENT = (
    "Information shared at this meeting is confidential. It is shared only to keep victims "
    "and children safe, may be used only for that purpose, and must not be passed on without "
    "the agreement of the agency that shared it. Each agency records the actions it agrees."
)


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


@dataclass(frozen=True)
class AgendaAction:
    """An action as one reader may see it: the text, agency and status only when the reader
    may open the case (issue 12); otherwise the reference and due date alone."""

    id: int
    listing_id: int
    reference: str
    meeting_starts_at: datetime
    due_on: date | None
    readable: bool
    agency: str | None
    description: str | None
    status: str | None


def _agenda_action(action: Any, referral_id: int, starts_at: datetime, readable: bool):
    """`action`: a MaracAction or a row with its columns (the open actions' query)."""
    return AgendaAction(
        id=action.id,
        listing_id=action.listing_id,
        # From the id (the reference's one formula): loading the referral cost a statement each.
        reference=f"R{referral_id:06d}",
        meeting_starts_at=starts_at,
        due_on=action.due_on,
        readable=readable,
        agency=action.agency if readable else None,
        description=action.description if readable else None,
        status=action.status if readable else None,
    )


@dataclass
class AgendaCase:
    listing: MaracListing
    referral: Referral
    victim_name: str | None
    pushed_from: MaracMeeting | None
    readable: bool = False  # may the reader open the case (and so read its free text)?

    @property
    def move_reason(self) -> str | None:
        return self.listing.move_reason if self.readable else None

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
    open_actions: list[AgendaAction] = field(default_factory=list)
    actions: dict[int, list[AgendaAction]] = field(default_factory=dict)  # by listing id

    @property
    def case_count(self) -> int:
        return len(self.with_children) + len(self.adult_only)


def _name(details: PersonDetails | None) -> str | None:
    """The name as the listed case itself recorded it (never another case's record)."""
    if details is None:
        return None
    return details.display_name


def _readable(referral_ids: set[int], reader: User | None) -> set[int]:
    """The referrals among these that the reader may open (all of them for the system)."""
    if reader is None or not referral_ids:
        return set(referral_ids)
    query = select(Referral.id).where(
        Referral.id.in_(referral_ids), visible_referrals_clause(reader)
    )
    return set(db.session.scalars(query))


def agenda(
    meeting_id: int,
    *,
    calendar: WorkingCalendar,
    show_names: bool = False,
    reader: User | None = None,
) -> Agenda:
    """The meeting's agenda in SafeLives order. Names only when `show_names` (coordinator);
    free text (actions, move reasons) only on cases `reader` may open (None: the system)."""
    meeting = db.session.get(MaracMeeting, meeting_id)
    if meeting is None:
        raise MaracError("That meeting does not exist")
    # The referral and its people in the same few statements, never one per case.
    listings = db.session.scalars(
        select(MaracListing)
        .where(MaracListing.meeting_id == meeting.id, MaracListing.status.in_(COUNTED))
        .options(joinedload(MaracListing.referral).selectinload(Referral.people_details))
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
    earlier = open_actions_before(meeting)
    readable = _readable(
        {x.referral_id for x in listings} | {a.referral_id for a in earlier}, reader
    )
    for case in cases:
        case.readable = case.listing.referral_id in readable
    children, adults = marac_rules.agenda_sections(
        cases, key=lambda c: (c.listing.has_children, c.listing.listed_at, c.listing.id)
    )
    result = Agenda(meeting, CONFIDENTIALITY_STATEMENT, children, adults)
    result.lapsed_repeats = _lapsed_repeats(meeting, show_names, calendar)
    result.open_actions = [
        _agenda_action(a, a.referral_id, a.starts_at, a.referral_id in readable) for a in earlier
    ]
    for action in db.session.scalars(
        select(MaracAction)
        .where(MaracAction.listing_id.in_([x.id for x in listings]))
        .order_by(MaracAction.id)
    ):
        listing = action.listing  # in the session already: no statement
        shown = _agenda_action(
            action, listing.referral_id, meeting.starts_at, listing.referral_id in readable
        )
        result.actions.setdefault(action.listing_id, []).append(shown)
    return result


def open_agenda(
    meeting_id: int,
    *,
    actor: Actor,
    now: datetime,
    calendar: WorkingCalendar,
    show_names: bool = False,
    reader: User | None = None,
) -> Agenda:
    """The agenda as a reader opens it: the agenda is a disclosure of listed cases, so who saw
    it (and whether with names) is audited in the caller's transaction."""
    result = agenda(meeting_id, calendar=calendar, show_names=show_names, reader=reader)
    audit.record(
        "marac.agenda.view",
        actor,
        object_type="marac_meeting",
        object_id=meeting_id,
        details={"cases": result.case_count, "names": show_names},
        now=now,
    )
    return result


def open_actions_before(meeting: MaracMeeting) -> list[Any]:
    """Actions still open from meetings held before this one, oldest meeting first: rows of
    the columns the agenda shows, in one statement (thousands of them at a region's scale,
    where loading each as an entity with its listing and meeting took seconds)."""
    query = (
        select(
            MaracAction.id,
            MaracAction.listing_id,
            MaracAction.agency,
            MaracAction.description,
            MaracAction.due_on,
            MaracAction.status,
            MaracListing.referral_id,
            MaracMeeting.starts_at,
        )
        .join(MaracListing, MaracListing.id == MaracAction.listing_id)
        .join(MaracMeeting, MaracMeeting.id == MaracListing.meeting_id)
        .where(MaracAction.status == "open", MaracMeeting.starts_at < meeting.starts_at)
        .order_by(MaracMeeting.starts_at, MaracAction.id)
    )
    return list(db.session.execute(query))


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
    lapsed = {}
    for victim_id, last_at in rows:
        last_at = last_at if last_at.tzinfo else last_at.replace(tzinfo=UTC)
        last_heard = calendar.local_date(last_at)
        if marac_rules.lapsed_in_window(last_heard, after, upto):
            lapsed[victim_id] = last_heard
    latest_referrals = _latest_listed_referrals(list(lapsed))
    result = [
        LapsedRepeat(
            referral=referral,
            last_heard=lapsed[victim_id],
            window_ended=marac_rules.repeat_window_ends(lapsed[victim_id]),
            victim_name=_name(referral.victim_details) if show_names else None,
        )
        for victim_id, referral in latest_referrals.items()
    ]
    result.sort(key=lambda r: (r.window_ended, r.referral.id))
    return result


def _latest_listed_referrals(victim_ids: list[int]) -> dict[int, Referral]:
    """Each victim's most recently listed referral, for all the victims in one statement
    (and one for their people's details)."""
    if not victim_ids:
        return {}
    query = (
        select(Referral)
        .join(MaracListing, MaracListing.referral_id == Referral.id)
        .join(MaracMeeting, MaracMeeting.id == MaracListing.meeting_id)
        .where(Referral.victim_id.in_(victim_ids), MaracListing.status.in_(COUNTED))
        .order_by(Referral.victim_id, MaracMeeting.starts_at.desc(), Referral.id.desc())
        .options(selectinload(Referral.people_details))
    )
    latest: dict[int, Referral] = {}
    for referral in db.session.scalars(query).unique():
        latest.setdefault(referral.victim_id, referral)
    return latest
