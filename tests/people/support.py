"""Earlier cases for the people tests: a referral with its own record of its victim."""

from __future__ import annotations

from datetime import date

from tests.audit.helpers import make_referral
from tests.factories import make_person
from triage.models import Referral


def earlier_case(
    referrer_id: int | None,
    first_name: str = "Amira",
    last_name: str = "Khan",
    born: date | None = date(1991, 4, 12),
    **details,
) -> Referral:
    """A referral by `referrer_id` whose victim record and details carry these values."""
    victim = make_person(first_name=first_name, last_name=last_name, date_of_birth=born)
    return make_referral(
        referrer_id=referrer_id,
        victim=victim,
        victim_details={
            "first_name": first_name,
            "last_name": last_name,
            "date_of_birth": born,
            **details,
        },
    )
