"""The victim's equality-monitoring and safe-contact code lists, and how the SafeLives
return's three flags (`racially_minoritised`, `lgbt`, `disabled`) follow from the codes.

Pure data and one pure function, shared by the intake checks, the form, the API schema and
the CSV import (no Flask, no database). The mapping is written down in docs/reports.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PREFER_NOT = "prefer_not_to_say"

# ONS 2021 Census, England and Wales: the 19 categories, in their 5 high-level groups.
ETHNIC_GROUPS: dict[str, dict[str, str]] = {
    "Asian or Asian British": {
        "asian_bangladeshi": "Bangladeshi",
        "asian_chinese": "Chinese",
        "asian_indian": "Indian",
        "asian_pakistani": "Pakistani",
        "asian_other": "Any other Asian background",
    },
    "Black, Black British, Caribbean or African": {
        "black_african": "African",
        "black_caribbean": "Caribbean",
        "black_other": "Any other Black, Black British or Caribbean background",
    },
    "Mixed or multiple ethnic groups": {
        "mixed_white_asian": "White and Asian",
        "mixed_white_black_african": "White and Black African",
        "mixed_white_black_caribbean": "White and Black Caribbean",
        "mixed_other": "Any other Mixed or multiple ethnic background",
    },
    "White": {
        "white_british": "English, Welsh, Scottish, Northern Irish or British",
        "white_irish": "Irish",
        "white_gypsy_traveller": "Gypsy or Irish Traveller",
        "white_roma": "Roma",
        "white_other": "Any other White background",
    },
    "Other ethnic group": {
        "other_arab": "Arab",
        "other_any": "Any other ethnic group",
    },
}
ETHNICITIES: dict[str, str] = {
    code: f"{group}: {label}"
    for group, codes in ETHNIC_GROUPS.items()
    for code, label in codes.items()
} | {PREFER_NOT: "Prefer not to say"}

# SafeLives: "racially minoritised" = Black, Asian, Mixed/multiple and other ethnic groups,
# and White minorities (Gypsy, Irish Traveller, Roma). White British, White Irish and any
# other White background are not counted. Local choice: edit this set (docs/reports.md).
RACIALLY_MINORITISED: frozenset[str] = frozenset(
    code for group, codes in ETHNIC_GROUPS.items() if group != "White" for code in codes
) | {"white_gypsy_traveller", "white_roma"}

SEXUAL_ORIENTATIONS: dict[str, str] = {
    "heterosexual": "Heterosexual or straight",
    "gay_lesbian": "Gay or lesbian",
    "bisexual": "Bisexual",
    "other": "Another sexual orientation",
    PREFER_NOT: "Prefer not to say",
}
LGB_ORIENTATIONS: frozenset[str] = frozenset({"gay_lesbian", "bisexual", "other"})

# The gender field does not record trans status: asked separately (ONS 2021 wording, turned
# round: "yes" = the victim is trans or has a trans history).
TRANS: dict[str, str] = {"yes": "Yes", "no": "No", PREFER_NOT: "Prefer not to say"}
DISABILITY: dict[str, str] = {"yes": "Yes", "no": "No", PREFER_NOT: "Prefer not to say"}

EQUALITY_CODES = ("ethnicity", "sexual_orientation", "trans", "disability")
EQUALITY_FLAGS = ("racially_minoritised", "lgbt", "disabled")

# Safe contact: a UK number (+44 or 0, then 9 or 10 digits; spaces, dashes, brackets allowed).
PHONE_MAX = 40
SAFE_TIMES_MAX = 200
PHONE_PATTERN = r"^\s*\(?(\+44\s*\(?0?\)?|0)[\s\-()]*([0-9][\s\-()]*){9,10}$"
SAFE_CONTACT_FLAGS = ("safe_to_call", "safe_to_leave_message", "safe_to_write")


def derived_flags(details: Mapping[str, Any]) -> dict[str, bool | None]:
    """The three SafeLives flags the codes give (None: not known, or prefer not to say).
    A flag whose codes are all missing is left out: the caller keeps what was given."""
    out: dict[str, bool | None] = {}
    ethnicity = details.get("ethnicity")
    if ethnicity is not None:
        out["racially_minoritised"] = (
            None if ethnicity == PREFER_NOT else ethnicity in RACIALLY_MINORITISED
        )
    orientation, trans = details.get("sexual_orientation"), details.get("trans")
    if orientation is not None or trans is not None:
        out["lgbt"] = _lgbt(orientation, trans)
    disability = details.get("disability")
    if disability is not None:
        out["disabled"] = {"yes": True, "no": False}.get(disability)
    return out


def _lgbt(orientation: str | None, trans: str | None) -> bool | None:
    """LGBT+ if either answer says so; not LGBT+ only when the orientation is heterosexual
    and the victim did not say they are trans (or decline to say)."""
    if orientation in LGB_ORIENTATIONS or trans == "yes":
        return True
    if orientation == "heterosexual" and trans in (None, "no"):
        return False
    return None
