"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so that timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password-used-for-timing-only")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    # The 30,000 most common passwords from leaked sets, as shipped (and maintained) by zxcvbn.
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


# Words an attacker who knows where the account lives tries first (ASVS 6.2.11): the service,
# the partnership and council running it, and the field's own words (docs/security.md G2).
SERVICE_WORDS = frozenset(
    {
        "triage",
        "marac",
        "idva",
        "domestic",
        "abuse",
        "council",
        "borough",
        "london",
        "community",
        "safety",
        "partnership",
        "safelives",
        "referral",
    }
)
# Parts of an e-mail domain that say nothing about the user (example.gov.uk -> "example").
_DOMAIN_NOISE = frozenset({"com", "org", "net", "gov", "nhs", "police", "ac", "co", "uk", "mail"})
# Letters typed as digits or symbols, undone before looking for words (p4ssw0rd -> password).
_UNLEET = str.maketrans("0134578@$!|", "oieastbasil")


def _context_words(context: Iterable[str]) -> set[str]:
    """Three or more letters from the user's name and e-mail address (local part and domain)."""
    words: set[str] = set()
    for value in context:
        for part in re.split(r"[^a-z]+", (value or "").lower()):
            if len(part) >= 3 and part not in _DOMAIN_NOISE:
                words.add(part)
    return words


def context_word_in(password: str, context: Iterable[str] = ()) -> str | None:
    """The first service or personal word found in `password` (ignoring case, separators and
    digits typed for letters), or None."""
    plain = password.lower()
    folded = re.sub(r"[^a-z]", "", plain.translate(_UNLEET))
    letters = re.sub(r"[^a-z]", "", plain)
    for word in sorted(SERVICE_WORDS | _context_words(context)):
        if word in folded or word in letters:
            return word
    return None


def password_problems(
    password: str, *, context: Iterable[str] = (), check_context: bool = True
) -> list[str]:
    """What is wrong with a new password, in words for the user (empty when acceptable).
    `context`: the user's name and e-mail address, whose parts may not appear in it, nor may
    SERVICE_WORDS (`check_context=False` only for the published demo passwords)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"Password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        problems.append(f"Password must be {MAX_LENGTH} characters or fewer")
    if password.lower() in _common_passwords():
        problems.append("Password is too common: choose one that is harder to guess")
    elif check_context and (word := context_word_in(password, context)):
        problems.append(
            f"Password must not contain “{word}”: leave out the names of this service, the "
            "council and the field (such as triage or MARAC), and your own name and e-mail"
        )
    return problems
