"""People: the normalised key used to spot the same person in a later referral."""

from __future__ import annotations

import re
import unicodedata

_NOT_LETTERS = re.compile(r"[^a-z ]+")
_SPACES = re.compile(r"\s+")


def normalise_name(name: str) -> str:
    """'  Siân O'Brien-Smith ' -> 'sian obriensmith': case, accents and punctuation ignored."""
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _SPACES.sub(" ", _NOT_LETTERS.sub("", ascii_only)).strip()


def match_key(first_name: str, last_name: str) -> str:
    return f"{normalise_name(first_name)}|{normalise_name(last_name)}"
