"""The fixed vocabulary of the rule engine: answers, risk levels, criterion names.

The *contents* of the catalogues (questions, needs, perpetrator-management options)
are data in the rule set YAML; only the names other code relies on are fixed here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Answers a practitioner can give to a checklist question. Only "yes" scores.
YES = "yes"
NO = "no"
DONT_KNOW = "dont_know"
NOT_ASKED = "not_asked"
ANSWERS: tuple[str, ...] = (YES, NO, DONT_KNOW, NOT_ASKED)

# Risk levels, lowest first: the order is what "raise, never lower" compares.
RISK_LEVELS: tuple[str, ...] = ("standard", "medium", "high")

# MARAC criteria in the order an assessment always lists them, with the title
# that starts each reason sentence.
MARAC_CRITERIA: dict[str, str] = {
    "visible_high_risk": "Visible high risk",
    "professional_judgement": "Professional judgement",
    "potential_escalation": "Potential escalation",
    "repeat": "Repeat",
}

MCIC_TITLE = "Multiple complex issues"


def risk_rank(level: str) -> int:
    """Position of a risk level in RISK_LEVELS (standard = 0, high = 2)."""
    return RISK_LEVELS.index(level)


@dataclass(frozen=True)
class DashQuestion:
    """One checklist question as the practitioner sees it on the form."""

    number: int
    label: str
    text: str
    help: str = ""


@dataclass(frozen=True)
class CatalogueEntry:
    """A code stored in facts and the label a person reads."""

    code: str
    label: str
