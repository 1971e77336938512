"""G2: a new password may not contain the service's, the council's or the field's words, nor
the user's own name or e-mail address (ASVS 6.2.11); other good passwords still pass."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from tests.marac_support import ACTOR
from triage.services import accounts, passwords
from triage.services.accounts import AccountError

NAME, EMAIL = "Priya Chaudhry", "p.chaudhry@newham-idva.example.org"


@pytest.mark.parametrize(
    ("password", "word"),
    [
        ("my-triage-password-2026", "triage"),
        ("Marac meetings thursday", "marac"),
        ("!D V A-is-my-whole-job", "idva"),
        ("Tr14ge-is-long-enough", "triage"),  # digits typed for letters
        ("the borough of dreams 9", "borough"),
        ("Council tax is due again", "council"),
        ("domestic-bliss-forever", "domestic"),
        ("priya-loves-long-walks", "priya"),  # the user's name
        ("CHAUDHRY-family-holiday", "chaudhry"),
        ("newham-summer-evenings", "newham"),  # a part of the e-mail domain
    ],
)
def test_context_words_are_refused_with_the_word_named(password, word):
    problems = passwords.password_problems(password, context=(NAME, EMAIL))
    assert len(problems) == 1
    assert f"must not contain “{word}”" in problems[0]


@pytest.mark.parametrize(
    "password", ["correct-horse-battery-staple-42", "plum-orchard-kettle-drum-81"]
)
def test_good_passwords_still_pass(password):
    assert passwords.password_problems(password, context=(NAME, EMAIL)) == []


def test_common_words_of_an_address_are_not_held_against_the_user():
    # "org", "example"-style noise like com/org/uk/gov is ignored; real parts are not.
    assert passwords.password_problems("orgone-gov-uk-pillow", context=("Al", "al@x.gov.uk")) == []


def test_every_way_a_password_is_set_applies_the_rule(app_ctx):
    user = make_user(["idva"], name=NAME, email=EMAIL)
    with pytest.raises(AccountError, match="priya"):
        accounts.set_password(user, "priya-loves-long-walks", ACTOR, now=user.created_at)
    with pytest.raises(AccountError, match="triage"):
        accounts.create_user(
            email="new@example.test",
            name="New Person",
            roles=["idva"],
            password="triage-is-where-i-work",
            actor=ACTOR,
            now=user.created_at,
        )
    with pytest.raises(AccountError, match="chaudhry"):
        accounts.change_password(
            user,
            current="correct-horse-battery-staple-42",
            new="chaudhry-family-holiday",
            actor=ACTOR,
            keep_session_id=None,
            now=user.created_at,
        )
