"""The check-answers rows for the victim's equality and safe-contact answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from triage.equality import DISABILITY, ETHNICITIES, SEXUAL_ORIENTATIONS, TRANS

NOT_RECORDED = "Not recorded"
_SAFE = {True: "Yes", False: "No"}


def victim_rows(victim: dict[str, Any], row: Callable[..., dict]) -> list[dict]:
    """Rows built with the summary's `row(key, value, section, field)`."""
    coded = (
        ("Ethnic group", "ethnicity", ETHNICITIES),
        ("Sexual orientation", "sexual_orientation", SEXUAL_ORIENTATIONS),
        ("Trans or has a trans history", "trans", TRANS),
        ("Considers themselves disabled", "disability", DISABILITY),
    )
    rows = [
        row(label, codes.get(victim.get(key) or "", NOT_RECORDED), "victim", f"victim_{key}")
        for label, key, codes in coded
    ]
    rows.append(
        row("Safe phone number", victim.get("phone") or NOT_RECORDED, "victim", "victim_phone")
    )
    for label, key in (
        ("Safe to call", "safe_to_call"),
        ("Safe to leave a message", "safe_to_leave_message"),
        ("Safe to write", "safe_to_write"),
    ):
        rows.append(row(label, _SAFE.get(victim.get(key), "Don't know"), "victim", f"victim_{key}"))
    rows.append(
        row("Safe times", victim.get("safe_times") or NOT_RECORDED, "victim", "victim_safe_times")
    )
    return rows
