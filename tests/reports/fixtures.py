"""A hand-computed fortnight of referrals for the report tests: every expected figure below
was worked out by hand from the comments, not by the code under test.

Range: Monday 23 March to Sunday 5 April 2026 (London dates). Inside it the clocks go
forward (Sunday 29 March) and Good Friday (3 April) is a bank holiday; Easter Monday
(6 April) is one too, just after. `AS_OF` is Friday 10 April 2026, 12:00 BST.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.marac_support import ACTOR, make_referral
from triage.services.offers import record_contact
from triage.services.reports.definitions import DateRange, ReportSettings
from triage.workdays import default_calendar

LONDON = ZoneInfo("Europe/London")
PERIOD = DateRange(date(2026, 3, 23), date(2026, 4, 5))
AS_OF = datetime(2026, 4, 10, 12, 0, tzinfo=LONDON)
SETTINGS = ReportSettings(calendar=default_calendar())
EXACT = ReportSettings(calendar=default_calendar(), suppress_below=1)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def _offer(referral, made_at, outcome="accepted", late_reason=None):
    return record_contact(
        referral.id,
        made_at=made_at,
        method="phone",
        outcome=outcome,
        notes=None,
        late_reason=late_reason,
        actor=ACTOR,
        now=AS_OF + timedelta(days=30),
        calendar=default_calendar(),
    )


def build() -> dict:
    """The referrals by letter. Working hours are 09:00-17:00 London on working days."""
    refs = {}
    # A: Mon 23 Mar 10:00 GMT, due Tue 24 17:00; accepted Tue 11:00 = 7 + 2 = 9 h, on time.
    refs["A"] = make_referral(london(2026, 3, 23, 10, 0), yes=15)
    _offer(refs["A"], london(2026, 3, 24, 11, 0))
    # B: Fri 27 Mar 16:00 GMT, due Mon 30 17:00 BST (after the clock change); declined at
    # exactly the due instant: on time, 1 + 8 = 9 h.
    refs["B"] = make_referral(london(2026, 3, 27, 16, 0), yes=11, source_agency="health")
    _offer(refs["B"], refs["B"].offer_due_at, outcome="declined")
    # C: Thu 2 Apr 12:00 BST, due Tue 7 Apr 17:00 (Good Friday, Easter Monday); no contact
    # Thu 15:00 (first attempt on time), accepted Wed 8 Apr 10:00: late, 5 + 8 + 1 = 14 h.
    refs["C"] = make_referral(london(2026, 4, 2, 12, 0), yes=15)
    refs["C"].mcic = True
    _offer(refs["C"], london(2026, 4, 2, 15, 0), outcome="no_contact")
    _offer(refs["C"], london(2026, 4, 8, 10, 0), late_reason="not_contactable")
    # D: Mon 30 Mar 09:30 BST, due Tue 31 17:00; attempted (unsafe to contact) Mon 14:00 but
    # never reached: overdue now, aged 7.5+8+8+8+8+8+8+3 = 58.5 working hours at AS_OF.
    refs["D"] = make_referral(london(2026, 3, 30, 9, 30), yes=5, source_agency="housing")
    _offer(refs["D"], london(2026, 3, 30, 14, 0), outcome="unsafe_to_contact")
    # E: Sun 5 Apr 23:30 BST (the range's last day; 22:30 UTC), due Tue 7 Apr 17:00; no
    # offer: overdue now, aged 8 + 8 + 8 + 3 = 27 working hours.
    refs["E"] = make_referral(london(2026, 4, 5, 23, 30), yes=11)
    # H: Tue 24 Mar 10:00, closed Wed 25 Mar without an offer: due, late, not overdue now.
    refs["H"] = make_referral(london(2026, 3, 24, 10, 0), yes=5)
    refs["H"].status = "closed"
    refs["H"].closed_at = london(2026, 3, 25, 12, 0)
    # I: Wed 25 Mar 10:00 GMT, due Thu 26 17:00; accepted Fri 27 10:00, late (referral
    # incomplete): 7 + 8 + 1 = 16 h.
    refs["I"] = make_referral(london(2026, 3, 25, 10, 0), yes=15, source_agency="health")
    _offer(refs["I"], london(2026, 3, 27, 10, 0), late_reason="referral_incomplete")
    # Outside the range: Mon 6 Apr 00:30 BST is still 5 April in UTC; Sun 22 Mar 23:30 GMT.
    refs["after"] = make_referral(london(2026, 4, 6, 0, 30), yes=15)
    refs["before"] = make_referral(london(2026, 3, 22, 23, 30), yes=15)
    return refs


# The expected figures, worked out by hand from the comments above.
TOTALS = {
    "referrals": 7,  # A B C D E H I
    "due": 7,  # every due time is before AS_OF
    "offers_made": 4,  # A B C I
    "on_time": 2,  # A B
    "on_time_pct": 28.6,  # 200 / 7
    "first_attempt_on_time": 4,  # A B C D
    "overdue_now": 2,  # D E (H is closed)
    "working_hours_to_offer": {"median": 11.5, "p90": 15.4},  # of 9 9 14 16
    "lateness_reasons": {"not_contactable": 1, "referral_incomplete": 1},
}
BY_SOURCE = {
    "police": {  # A C E H
        "referrals": 4,
        "due": 4,
        "offers_made": 2,
        "on_time": 1,
        "on_time_pct": 25.0,
        "first_attempt_on_time": 2,
        "overdue_now": 1,
        "working_hours_to_offer": {"median": 11.5, "p90": 13.5},  # of 9 14
        "lateness_reasons": {"not_contactable": 1},
    },
    "health": {  # B I
        "referrals": 2,
        "due": 2,
        "offers_made": 2,
        "on_time": 1,
        "on_time_pct": 50.0,
        "first_attempt_on_time": 1,
        "overdue_now": 0,
        "working_hours_to_offer": {"median": 12.5, "p90": 15.3},  # of 9 16
        "lateness_reasons": {"referral_incomplete": 1},
    },
    "housing": {  # D
        "referrals": 1,
        "due": 1,
        "offers_made": 0,
        "on_time": 0,
        "on_time_pct": 0.0,
        "first_attempt_on_time": 1,
        "overdue_now": 1,
        "working_hours_to_offer": {"median": None, "p90": None},
        "lateness_reasons": {},
    },
}
BY_WEEK = {
    "2026-W13": {  # A H I B
        "referrals": 4,
        "due": 4,
        "offers_made": 3,
        "on_time": 2,
        "on_time_pct": 50.0,
        "first_attempt_on_time": 2,
        "overdue_now": 0,
        "working_hours_to_offer": {"median": 9.0, "p90": 14.6},  # of 9 9 16
        "lateness_reasons": {"referral_incomplete": 1},
    },
    "2026-W14": {  # C D E
        "referrals": 3,
        "due": 3,
        "offers_made": 1,
        "on_time": 0,
        "on_time_pct": 0.0,
        "first_attempt_on_time": 2,
        "overdue_now": 2,
        "working_hours_to_offer": {"median": 14.0, "p90": 14.0},
        "lateness_reasons": {"not_contactable": 1},
    },
}
BY_RISK_HIGH = {  # A C I
    "referrals": 3,
    "due": 3,
    "offers_made": 3,
    "on_time": 1,
    "on_time_pct": 33.3,
    "first_attempt_on_time": 2,
    "overdue_now": 0,
    "working_hours_to_offer": {"median": 14.0, "p90": 15.6},  # of 9 14 16
    "lateness_reasons": {"not_contactable": 1, "referral_incomplete": 1},
}
OVERDUE = [("D", 58.5), ("E", 27.0)]
HISTOGRAM = {"8 to 16 h": 3, "16 to 24 h": 1}  # 9 9 14 | 16; every other bin 0
