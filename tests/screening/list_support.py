"""A fixed morning-list dataset around the late May bank holiday (Monday 25 May 2026), and a
frozen "now" of Tuesday 26 May 2026 13:40 London time (BST)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from tests.factories import make_user
from tests.marac_support import ACTOR, make_referral
from tests.settings_support import app_settings
from triage.extensions import db
from triage.services import offers
from triage.services.calendar import current_calendar

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 5, 26, 13, 40, tzinfo=LONDON).astimezone(UTC)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


@dataclass
class Dataset:
    refs: dict[str, str]
    ids: dict[str, int]
    owner_id: int


def contact(referral, outcome: str, at: datetime, late_reason: str | None = None) -> None:
    offers.record_contact(
        referral.id,
        made_at=at,
        method="phone",
        outcome=outcome,
        notes=None,
        late_reason=late_reason,
        actor=ACTOR,
        now=NOW,
        calendar=current_calendar(app_settings().calendar),
    )


def seed() -> Dataset:
    """Inside an app context; the caller commits if it needs to."""
    owner = make_user(roles=["screener"], name="Sam Owner")
    made = {
        # Friday before the bank holiday, 16:59: due Tuesday 26 May 17:00.
        "friday": make_referral(london(2026, 5, 22, 16, 59), yes=15),
        # Thursday 10:00: due Friday 22 May 17:00, overdue since.
        "thursday": make_referral(london(2026, 5, 21, 10, 0), yes=3, source_agency="health"),
        # Wednesday: due Thursday 21 May 17:00, more than a working day overdue.
        "wednesday": make_referral(london(2026, 5, 20, 9, 0), yes=11),
        # This morning: due Wednesday 27 May 17:00.
        "today": make_referral(london(2026, 5, 26, 8, 0), yes=2),
        # Received on the bank holiday, one attempt that did not reach the victim.
        "attempted": make_referral(london(2026, 5, 25, 11, 0), yes=14),
        "offered": make_referral(london(2026, 5, 22, 9, 0)),
        "declined": make_referral(london(2026, 5, 22, 10, 0)),
        "closed": make_referral(london(2026, 5, 22, 11, 0)),
    }
    made["friday"].assigned_screener_id = owner.id
    made["friday"].mcic = True
    contact(made["attempted"], "no_contact", london(2026, 5, 26, 9, 30))
    contact(made["offered"], "accepted", london(2026, 5, 22, 12, 0))
    contact(made["declined"], "unsafe_to_contact", london(2026, 5, 22, 12, 0))
    contact(made["declined"], "declined", london(2026, 5, 26, 10, 0), "not_contactable")
    made["closed"].status = "closed"
    db.session.flush()
    return Dataset(
        refs={k: r.reference for k, r in made.items()},
        ids={k: r.id for k, r in made.items()},
        owner_id=owner.id,
    )


# The list at NOW: earliest due first, ties by id.
ORDER = ["wednesday", "thursday", "friday", "attempted", "today"]
DUE_TEXT = {
    "wednesday": "overdue by 1 working day 4 h 40 min",
    "thursday": "overdue by 4 h 40 min",
    "friday": "due in 3 h 20 min",
    "attempted": "due in 3 h 20 min",
    "today": "due in 1 working day 3 h 20 min",
}
