"""How the SafeLives flags follow the victim's equality codes (triage/equality.py)."""

from __future__ import annotations

import pytest

from triage.equality import ETHNIC_GROUPS, ETHNICITIES, RACIALLY_MINORITISED, derived_flags


def test_the_ons_2021_categories_in_five_groups():
    assert len(ETHNIC_GROUPS) == 5
    assert sum(len(codes) for codes in ETHNIC_GROUPS.values()) == 19
    assert len(ETHNICITIES) == 20  # and "prefer not to say"


@pytest.mark.parametrize(
    ("ethnicity", "expected"),
    [
        ("white_british", False),
        ("white_irish", False),
        ("white_other", False),
        ("white_gypsy_traveller", True),
        ("white_roma", True),
        ("asian_indian", True),
        ("black_caribbean", True),
        ("mixed_white_asian", True),
        ("other_arab", True),
        ("prefer_not_to_say", None),
    ],
)
def test_racially_minoritised(ethnicity, expected):
    assert derived_flags({"ethnicity": ethnicity}) == {"racially_minoritised": expected}


def test_every_non_white_category_is_racially_minoritised():
    for group, codes in ETHNIC_GROUPS.items():
        for code in codes:
            assert (code in RACIALLY_MINORITISED) == (
                group != "White" or code in {"white_gypsy_traveller", "white_roma"}
            ), code


@pytest.mark.parametrize(
    ("orientation", "trans", "expected"),
    [
        ("heterosexual", None, False),
        ("heterosexual", "no", False),
        ("heterosexual", "yes", True),
        ("heterosexual", "prefer_not_to_say", None),
        ("gay_lesbian", None, True),
        ("bisexual", "no", True),
        ("other", None, True),
        ("prefer_not_to_say", None, None),
        ("prefer_not_to_say", "yes", True),
        (None, "yes", True),
        (None, "no", None),
    ],
)
def test_lgbt(orientation, trans, expected):
    assert derived_flags({"sexual_orientation": orientation, "trans": trans}) == {"lgbt": expected}


@pytest.mark.parametrize(
    ("disability", "expected"), [("yes", True), ("no", False), ("prefer_not_to_say", None)]
)
def test_disabled(disability, expected):
    assert derived_flags({"disability": disability}) == {"disabled": expected}


def test_no_codes_leave_the_flags_alone():
    assert derived_flags({"racially_minoritised": True}) == {}
