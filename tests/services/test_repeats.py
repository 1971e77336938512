"""Person matching (exact / near, never merged silently) and the pair's last MARAC referral."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.factories import make_person, make_user
from tests.intake_support import referral_data
from triage.services.actor import Actor
from triage.services.referral_creation import create_referral
from triage.services.repeats import (
    dates_within_typo,
    edit_distance,
    find_matches,
    last_marac_referral_at,
    similar_names,
)

BORN = date(1991, 4, 12)


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("khan", "khan", 0),
        ("khan", "kahn", 1),  # neighbours swapped
        ("smith", "smyth", 1),
        ("jon", "john", 1),
        ("catherine", "katharine", 2),
        ("", "abc", 3),
        ("abc", "xyz", 3),
    ],
)
def test_edit_distance(a, b, distance):
    assert edit_distance(a, b) == distance
    assert edit_distance(b, a) == distance


@pytest.mark.parametrize(
    ("names", "similar"),
    [
        (("amira", "khan", "amira", "kahn"), True),
        (("amira", "khan", "amria", "khan"), True),
        (("sam", "jones", "samantha", "jones"), True),  # a shortened first name
        (("amira", "khan", "khan", "amira"), True),  # first and last the wrong way round
        (("mary", "obrien", "mary", "o brien"), True),
        (("amira", "khan", "anna", "khan"), False),
        (("amira", "khan", "amira", "kane"), False),  # short name: one edit allowed, this is two
        (("jo", "li", "al", "li"), False),
    ],
)
def test_similar_names(names, similar):
    assert similar_names(*names) is similar


@pytest.mark.parametrize(
    ("other", "near"),
    [
        (date(1991, 4, 13), True),  # day
        (date(1991, 5, 12), True),  # month
        (date(1981, 4, 12), True),  # year
        (date(1991, 12, 4), True),  # day and month swapped
        (date(1992, 5, 12), False),  # two parts differ
        (BORN, False),  # the same date is an exact match, not a near one
    ],
)
def test_dates_within_typo(other, near):
    assert dates_within_typo(BORN, other) is near


@pytest.mark.usefixtures("app_ctx")
class TestFindMatches:
    def test_exact_match_by_normalised_name_and_birth_date(self):
        person = make_person(first_name="Siân", last_name="O'Brien", date_of_birth=BORN)
        result = find_matches("  sian ", "OBRIEN", BORN)
        assert result.exact == person
        assert result.near == []

    def test_near_matches_are_offered_not_chosen(self):
        typo_name = make_person(first_name="Amira", last_name="Kahn", date_of_birth=BORN)
        swapped = make_person(first_name="Khan", last_name="Amira", date_of_birth=BORN)
        typo_date = make_person(
            first_name="Amira", last_name="Khan", date_of_birth=date(1991, 4, 21)
        )
        unknown_date = make_person(first_name="Amira", last_name="Khan", date_of_birth=None)
        make_person(first_name="Anna", last_name="Khan", date_of_birth=BORN)  # not similar
        make_person(first_name="Amira", last_name="Khan", date_of_birth=date(1975, 1, 1))
        make_person(first_name="Amira", last_name="Kahn", date_of_birth=date(1975, 1, 1))

        result = find_matches("Amira", "Khan", BORN)
        assert result.exact is None
        # Closest first: same name with a date typo, then similar names, then unknown dates.
        assert result.near == [typo_date, typo_name, swapped, unknown_date]
        assert result.candidate_ids == {p.id for p in result.near}

    def test_exact_and_near_together(self):
        exact = make_person(first_name="Amira", last_name="Khan", date_of_birth=BORN)
        near = make_person(first_name="Amira", last_name="Kahn", date_of_birth=BORN)
        result = find_matches("Amira", "Khan", BORN)
        assert result.exact == exact
        assert result.near == [near]
        assert result.candidate_ids == {exact.id, near.id}

    def test_without_a_birth_date_a_same_name_is_only_near(self):
        known = make_person(first_name="Amira", last_name="Khan", date_of_birth=BORN)
        result = find_matches("Amira", "Khan", None)
        assert result.exact is None
        assert result.near == [known]

    def test_anonymised_people_are_never_matched(self):
        make_person(
            first_name="Amira",
            last_name="Khan",
            date_of_birth=BORN,
            anonymised_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        result = find_matches("Amira", "Khan", BORN)
        assert result.exact is None and result.near == []

    def test_blank_names_match_nobody(self):
        make_person(first_name="", last_name="", date_of_birth=BORN)
        assert find_matches("", "  ", BORN).exact is None


@pytest.mark.usefixtures("app_ctx")
def test_last_marac_referral_for_the_pair():
    actor = Actor.for_user(make_user(roles=["referrer"]))

    def referral(at: datetime, yes: int, **overrides):
        data = referral_data(yes=yes, received_at=at, dash_completed_on=at.date(), **overrides)
        return create_referral(data, actor=actor, now=at).referral

    first = referral(datetime(2025, 3, 1, 9, 0, tzinfo=UTC), 3)  # not a MARAC referral
    referral(datetime(2025, 6, 1, 9, 0, tzinfo=UTC), 15)
    referral(datetime(2025, 9, 1, 9, 0, tzinfo=UTC), 16)
    referral(  # the same victim with someone else
        datetime(2025, 11, 1, 9, 0, tzinfo=UTC),
        16,
        perpetrator={"first_name": "Other", "last_name": "Person"},
    )
    victim, perpetrator = first.victim_id, first.perpetrator_id

    assert last_marac_referral_at(
        victim, perpetrator, datetime(2026, 1, 1, tzinfo=UTC)
    ) == datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
    # Strictly before: a referral is not its own earlier referral.
    assert last_marac_referral_at(
        victim, perpetrator, datetime(2025, 9, 1, 9, 0, tzinfo=UTC)
    ) == datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
    assert last_marac_referral_at(victim, perpetrator, datetime(2025, 6, 1, tzinfo=UTC)) is None
    # A repeat is itself a referral to MARAC, whatever its score.
    repeat = referral(datetime(2025, 10, 1, 9, 0, tzinfo=UTC), 3)
    assert repeat.assessment["marac_criteria"] == ["repeat"]
    assert last_marac_referral_at(
        victim, perpetrator, datetime(2026, 1, 1, tzinfo=UTC)
    ) == datetime(2025, 10, 1, 9, 0, tzinfo=UTC)
    assert last_marac_referral_at(victim, None, datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert last_marac_referral_at(perpetrator, victim, datetime(2026, 1, 1, tzinfo=UTC)) is None
