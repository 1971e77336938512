"""The intake service stores the victim's equality codes and safe contact, derives the
SafeLives flags, and names the field of every problem."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from tests.intake_support import NOW, referral_data
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import Referral
from triage.services.actor import Actor
from triage.services.intake_validation import IntakeInvalid
from triage.services.referral_creation import create_referral

pytestmark = pytest.mark.usefixtures("app_ctx")

EXTRAS = {
    "racially_minoritised": None,
    "lgbt": None,
    "disabled": None,
    "ethnicity": "white_roma",
    "sexual_orientation": "prefer_not_to_say",
    "trans": "no",
    "disability": "yes",
    "phone": " 07700 900123 ",
    "safe_to_call": True,
    "safe_to_leave_message": False,
    "safe_to_write": None,
    "safe_times": "Weekdays 10am to 2pm",
}


def create(victim: dict) -> Referral:
    actor = Actor.for_user(make_user(roles=["referrer"]))
    data = referral_data(victim=victim)
    return create_referral(data, actor=actor, now=NOW, settings=app_settings()).referral


def errors_for(victim: dict) -> dict[str, str]:
    with pytest.raises(IntakeInvalid) as caught:
        create(victim)
    return {e["field"]: e["message"] for e in caught.value.errors}


def test_codes_and_safe_contact_are_stored_and_the_flags_derived():
    referral = create(EXTRAS)
    db.session.expire_all()
    victim = db.session.get(Referral, referral.id).victim_details
    assert (victim.ethnicity, victim.sexual_orientation, victim.trans, victim.disability) == (
        "white_roma",
        "prefer_not_to_say",
        "no",
        "yes",
    )
    # Roma is a White minority: racially minoritised; declined orientation: not known.
    assert (victim.racially_minoritised, victim.lgbt, victim.disabled) == (True, None, True)
    assert victim.phone == "07700 900123"
    assert (victim.safe_to_call, victim.safe_to_leave_message, victim.safe_to_write) == (
        True,
        False,
        None,
    )
    assert victim.safe_times == "Weekdays 10am to 2pm"


def test_all_optional_not_recorded_stays_null():
    referral = create({key: None for key in EXTRAS})
    victim = referral.victim_details
    assert victim.ethnicity is None and victim.racially_minoritised is None
    assert victim.phone is None and victim.safe_to_call is None


def test_flags_alone_still_accepted():
    victim = create({"racially_minoritised": False, "lgbt": True}).victim_details
    assert (victim.racially_minoritised, victim.lgbt, victim.ethnicity) == (False, True, None)


def test_a_flag_that_contradicts_its_code_is_refused():
    errors = errors_for({"ethnicity": "white_british", "racially_minoritised": True})
    assert errors == {
        "victim.racially_minoritised": (
            "Racially minoritised does not agree with the ethnic group given"
        )
    }


@pytest.mark.parametrize(
    ("victim", "field", "message"),
    [
        (
            {"phone": "12345"},
            "victim.phone",
            "Enter a UK phone number for the victim, like 07700 900123 or 020 7946 0000",
        ),
        ({"phone": "0" * 41}, "victim.phone", "Safe phone number"),
        ({"ethnicity": "martian"}, "victim.ethnicity", "Ethnic group"),
        ({"sexual_orientation": "straight"}, "victim.sexual_orientation", "Sexual orientation"),
        ({"disability": "maybe"}, "victim.disability", "Disability"),
        ({"trans": True}, "victim.trans", "Trans status"),
        ({"safe_to_call": "yes"}, "victim.safe_to_call", "Safe to call"),
        ({"safe_times": "x" * 201}, "victim.safe_times", "Safe times to contact"),
    ],
)
def test_bad_values_are_named_by_field(victim, field, message):
    errors = errors_for(victim)
    assert field in errors, errors
    assert errors[field].startswith(message), errors[field]


def test_the_perpetrator_has_no_safe_contact_or_equality_codes():
    actor = Actor.for_user(make_user(roles=["referrer"]))
    data = referral_data(perpetrator={"phone": "07700 900123", "ethnicity": "white_british"})
    with pytest.raises(IntakeInvalid) as caught:
        create_referral(data, actor=actor, now=NOW, settings=app_settings())
    assert caught.value.fields() == {"perpetrator.phone", "perpetrator.ethnicity"}
