"""A fixed MARAC dataset for the agenda-for-agencies tests: one meeting (Thursday
12 February 2026) with two cases with children and two adult-only, an open action from the
meeting before, and a victim whose 12-month repeat window lapses on the day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from tests.factories import make_details, make_person
from tests.marac_support import ACTOR, make_referral
from triage.extensions import db
from triage.marac_rules import MaracSettings
from triage.models import MaracAction, MaracListing, MaracMeeting, Referral
from triage.services import marac_listing, marac_meetings
from triage.workdays import WorkingCalendar

CAL = WorkingCalendar()
SETTINGS = MaracSettings()
NOW = datetime(2026, 2, 2, 10, tzinfo=UTC)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class Dataset:
    target_id: int
    earlier_id: int
    child_1: int  # referral ids
    child_2: int
    adult_1: int
    adult_2: int
    lapsed: int
    earlier_case: int
    open_action_id: int
    done_action_id: int

    def reference(self, referral_id: int) -> str:
        return db.session.get(Referral, referral_id).reference


def _list(referral: Referral, now: datetime) -> MaracListing:
    return marac_listing.list_referral(
        referral.id, now=now, actor=ACTOR, settings=SETTINGS, calendar=CAL
    )


def _heard(referral: Referral, meeting: MaracMeeting) -> MaracListing:
    listing = MaracListing(
        referral_id=referral.id,
        meeting_id=meeting.id,
        status="heard",
        criteria=["visible_high_risk"],
        heard_at=meeting.starts_at,
    )
    db.session.add(listing)
    db.session.flush()
    return listing


def build(referrer_id: int | None = None) -> Dataset:
    """The dataset; `referrer_id` becomes the referrer of `adult_1` (their own case)."""
    marac_meetings.ensure_meetings(
        now=utc(2026, 2, 2, 9), weeks=3, actor=ACTOR, settings=SETTINGS, calendar=CAL
    )
    rows = list(db.session.scalars(select(MaracMeeting).order_by(MaracMeeting.starts_at)))
    earlier, target = rows[0], rows[1]  # 5 and 12 February 2026
    # The meeting before was held: one case, one action still open and one done.
    earlier.status = "held"
    earlier_case = make_referral(utc(2026, 1, 20, 9))
    earlier_listing = _heard(earlier_case, earlier)
    open_action = MaracAction(
        listing_id=earlier_listing.id,
        agency="housing",
        description="Fit a lock to the back door",
        due_on=date(2026, 2, 20),
        status="open",
    )
    done_action = MaracAction(
        listing_id=earlier_listing.id,
        agency="police",
        description="Flag the address",
        due_on=date(2026, 2, 6),
        status="done",
    )
    db.session.add_all([open_action, done_action])
    # Heard on 12 February 2025: the repeat window ends on 12 February 2026.
    old_meeting = MaracMeeting(
        starts_at=utc(2025, 2, 12, 10), cutoff_at=utc(2025, 2, 5, 17), capacity=25, status="held"
    )
    db.session.add(old_meeting)
    db.session.flush()
    lapsed = make_referral(
        utc(2025, 2, 1, 9),
        victim=make_person(first_name="Lorna"),
        victim_details={"first_name": "Lorna", "last_name": "Lapsed"},
    )
    _heard(lapsed, old_meeting)

    def case(n: int, name: str, children: int, **extra) -> Referral:
        referral = make_referral(
            utc(2026, 2, 2, 9),
            children=children,
            victim=make_person(first_name=name),
            victim_details={
                "first_name": name,
                "last_name": "Victim",
                "date_of_birth": date(1990, 1, n),
                "address": f"{n} High Street, London",
                "postcode": f"E1 {n}AA",
            },
            **extra,
        )
        make_details(
            referral,
            "perpetrator",
            first_name=f"Perp{name}",
            last_name="Doe",
            date_of_birth=date(1985, 2, n),
            address=f"{n} Low Road, London",
        )
        referral.detail = "Free text the agencies must not get"
        return referral

    adult_1 = case(1, "Ada", 0)
    child_1 = case(2, "Cleo", 3)
    # A repeat (listed at MARAC within 12 months) and formula-looking text in its names.
    adult_2 = case(3, "=HYPERLINK(1)", 0, last_marac_referral_at=utc(2025, 9, 1, 9))
    child_2 = case(4, "Dee", 1)
    child_2.mcic = True
    child_2.assessment = {
        **child_2.assessment,
        "mcic": True,
        "mcic_needs": ["mental_health", "alcohol"],
    }
    if referrer_id is not None:
        adult_1.referrer_id = referrer_id
    for offset, referral in enumerate((adult_1, child_1, adult_2, child_2)):
        _list(referral, NOW + timedelta(minutes=offset))
    db.session.flush()
    return Dataset(
        target_id=target.id,
        earlier_id=earlier.id,
        child_1=child_1.id,
        child_2=child_2.id,
        adult_1=adult_1.id,
        adult_2=adult_2.id,
        lapsed=lapsed.id,
        earlier_case=earlier_case.id,
        open_action_id=open_action.id,
        done_action_id=done_action.id,
    )
