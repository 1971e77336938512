"""Hand-computed MARAC meetings for the performance report and the SafeLives return.

Range: Monday 23 March to Sunday 12 April 2026 (21 days; the clocks go forward on 29 March,
Good Friday 3 April and Easter Monday 6 April are bank holidays). Meetings are Thursdays
at 10:00 London. Waits count the working days after the day received, up to and including
the meeting day. Ages are on the day of the meeting."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from tests.factories import make_details, make_person
from tests.marac_support import make_referral
from tests.reports.fixtures import LONDON, london
from triage.extensions import db
from triage.models import MaracListing, MaracMeeting
from triage.services.reports.definitions import DateRange

PERIOD = DateRange(date(2026, 3, 23), date(2026, 4, 12))
AS_OF = datetime(2026, 4, 10, 12, 0, tzinfo=LONDON)


def _meeting(starts_at: datetime, status: str = "held") -> MaracMeeting:
    meeting = MaracMeeting(
        starts_at=starts_at, cutoff_at=starts_at - timedelta(days=7), capacity=25, status=status
    )
    db.session.add(meeting)
    db.session.flush()
    return meeting


def _case(
    meeting,
    received_at,
    criteria,
    *,
    children=0,
    source="police",
    mcic=False,
    victim=None,
    perpetrator=None,
    status="listed",
):
    # What each case recorded about its people lives on the referral (docs/people.md).
    victim = dict(victim or {})
    referral = make_referral(
        received_at,
        children=children,
        source_agency=source,
        victim=make_person(date_of_birth=victim.get("date_of_birth", date(1990, 1, 1))),
        victim_details=victim,
    )
    referral.mcic = mcic
    if perpetrator is not None:
        referral.perpetrator_id = make_person(date_of_birth=perpetrator.get("date_of_birth")).id
        make_details(referral, "perpetrator", **perpetrator)
    listing = MaracListing(
        meeting_id=meeting.id,
        referral_id=referral.id,
        criteria=criteria,
        is_repeat="repeat" in criteria,
        has_children=children > 0,
        status=status,
    )
    db.session.add(listing)
    db.session.flush()
    return listing


def build() -> dict:
    m1 = _meeting(london(2026, 3, 26, 10, 0))
    m2 = _meeting(london(2026, 4, 2, 10, 0))
    m3 = _meeting(london(2026, 4, 9, 10, 0))
    cancelled = _meeting(london(2026, 3, 31, 10, 0), status="cancelled")
    later = _meeting(london(2026, 4, 16, 10, 0), status="scheduled")
    person = dict  # a person's details as the case recorded them
    cases = {
        # Mon 16 Mar -> Thu 26 Mar: 8 working days.
        "L1": _case(
            m1,
            london(2026, 3, 16, 10, 0),
            ["visible_high_risk"],
            children=2,
            victim=person(
                gender="female",
                date_of_birth=date(1990, 5, 1),
                racially_minoritised=True,
                disabled=False,
            ),
            perpetrator=person(date_of_birth=date(1985, 1, 1)),
        ),
        # Thu 19 Mar -> Thu 26: 5. A male victim aged 16; perpetrator aged 17.
        "L2": _case(
            m1,
            london(2026, 3, 19, 15, 0),
            ["visible_high_risk", "repeat"],
            source="health",
            mcic=True,
            victim=person(
                gender="male", date_of_birth=date(2009, 6, 1), racially_minoritised=False, lgbt=True
            ),
            perpetrator=person(date_of_birth=date(2008, 12, 1)),
        ),
        # Moved away from m1: not counted there.
        "L3": _case(m1, london(2026, 3, 17, 10, 0), ["visible_high_risk"], status="moved"),
        # Wed 25 Mar -> Thu 2 Apr (over the clock change): 6. Turned 18 on 27 March.
        "L4": _case(
            m2,
            london(2026, 3, 25, 11, 0),
            ["professional_judgement"],
            children=1,
            # Declined two equality questions: "prefer not to say", not "not recorded".
            victim=person(
                gender="female",
                date_of_birth=date(2008, 3, 27),
                ethnicity="prefer_not_to_say",
                disability="prefer_not_to_say",
            ),
        ),
        # Fri 27 Mar -> Thu 2 Apr: 4. 16 on the meeting day; perpetrator 18 the day after.
        "L5": _case(
            m2,
            london(2026, 3, 27, 16, 0),
            ["potential_escalation", "repeat"],
            children=3,
            source="housing",
            mcic=True,
            victim=person(
                gender="female",
                date_of_birth=date(2010, 4, 2),
                racially_minoritised=True,
                lgbt=False,
                disabled=True,
            ),
            perpetrator=person(date_of_birth=date(2008, 4, 3)),
        ),
        # Tue 31 Mar -> Thu 2 Apr: 2. Heard; date of birth not recorded.
        "L6": _case(
            m2,
            london(2026, 3, 31, 9, 0),
            ["visible_high_risk"],
            status="heard",
            victim=person(
                gender="non_binary", date_of_birth=None, sexual_orientation="prefer_not_to_say"
            ),
            perpetrator=person(date_of_birth=date(1970, 1, 1)),
        ),
        # Thu 2 Apr -> Thu 9 Apr, over Good Friday and Easter Monday: 3.
        "L8": _case(
            m3,
            london(2026, 4, 2, 12, 0),
            ["visible_high_risk"],
            victim=person(gender="male", date_of_birth=date(1980, 1, 1), disabled=True),
            perpetrator=person(date_of_birth=date(1975, 1, 1)),
        ),
        # Not counted: a cancelled meeting, and a meeting after the range.
        "L7": _case(cancelled, london(2026, 3, 24, 10, 0), ["visible_high_risk"]),
        "L9": _case(later, london(2026, 4, 8, 10, 0), ["visible_high_risk"]),
    }
    return {"meetings": [m1, m2, m3], "cases": cases}


MEETINGS = [
    {"date": "2026-03-26", "cases": 2, "new": 1, "repeats": 1, "children": 2, "mcic": 1},
    {"date": "2026-04-02", "cases": 3, "new": 2, "repeats": 1, "children": 4, "mcic": 1},
    {"date": "2026-04-09", "cases": 1, "new": 1, "repeats": 0, "children": 0, "mcic": 0},
]
MARAC = {
    "cases": 6,
    "new": 4,
    "repeats": 2,
    "repeat_rate_pct": 33.3,
    # waits 2 3 4 5 6 8: median (4 + 5) / 2; p90 at position 4.5 = 6 + 0.5 * 2
    "referral_to_hearing_working_days": {"median": 4.5, "p90": 7.0},
    "criteria": {
        "visible_high_risk": 4,
        "professional_judgement": 1,
        "potential_escalation": 1,
        "repeat": 2,
    },
    "mcic": 2,
    "mcic_pct": 33.3,
    "children": 6,
    # 6 cases in 21 days -> 104.29 a year -> x 10,000 / 82,000
    "cases_per_10k_women_per_year": 12.7,
}
# The SafeLives return per meeting, then in total: (value, not recorded) where it applies,
# and the "prefer not to say" counts of the three flags derived from equality codes.
RETURN = {
    "2026-03-26": {
        "cases": 2,
        "repeats": 1,
        "children": 2,
        "not_police": 1,
        "racially_minoritised": (1, 0),
        "lgbt": (1, 1),
        "disabled": (0, 1),
        "male": (1, 0),
        "aged_16_17": (1, 0),
        "perpetrator_under_18": (1, 0),
        "prefer_not_to_say": {"racially_minoritised": 0, "lgbt": 0, "disabled": 0},
    },
    "2026-04-02": {
        "cases": 3,
        "repeats": 1,
        "children": 4,
        "not_police": 1,
        "racially_minoritised": (1, 1),
        "lgbt": (0, 1),
        "disabled": (1, 1),
        "male": (0, 0),
        "aged_16_17": (1, 1),
        "perpetrator_under_18": (1, 1),
        "prefer_not_to_say": {"racially_minoritised": 1, "lgbt": 1, "disabled": 1},
    },
    "2026-04-09": {
        "cases": 1,
        "repeats": 0,
        "children": 0,
        "not_police": 0,
        "racially_minoritised": (0, 1),
        "lgbt": (0, 1),
        "disabled": (1, 0),
        "male": (1, 0),
        "aged_16_17": (0, 0),
        "perpetrator_under_18": (0, 0),
        "prefer_not_to_say": {"racially_minoritised": 0, "lgbt": 0, "disabled": 0},
    },
    "total": {
        "cases": 6,
        "repeats": 2,
        "children": 6,
        "not_police": 2,
        "racially_minoritised": (2, 2),
        "lgbt": (1, 3),
        "disabled": (2, 2),
        "male": (2, 0),
        "aged_16_17": (2, 1),
        "perpetrator_under_18": (2, 1),
        "prefer_not_to_say": {"racially_minoritised": 1, "lgbt": 1, "disabled": 1},
    },
}
