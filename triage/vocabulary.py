"""Code lists, their screen labels and the field limits of a referral.

Pure data shared by the intake checks, the forms, the API schema and the pages, so that a
label or a limit is written once (no Flask, no database).
"""

from __future__ import annotations

from datetime import date

# The lawful basis on which the referral shares the victim's information.
CONSENT_BASES: dict[str, str] = {
    "consent": "The victim consented to the referral",
    "vital_interests": "Without consent: to protect someone's life (vital interests)",
    "public_task": "Without consent: a statutory duty (public task)",
    "legal_obligation": "Without consent: a legal obligation (e.g. a court order)",
    "without_consent_risk": "Without consent: high risk of serious harm, consent refused",
}

GENDERS: dict[str, str] = {
    "female": "Female",
    "male": "Male",
    "non_binary": "Non-binary",
    "other": "Another gender",
    "not_known": "Not known",
}

RISK_LEVEL_LABELS = {"standard": "Standard", "medium": "Medium", "high": "High"}

# Limits that match the columns (and keep a pasted novel out of a name field).
NAME_MAX = 100
REFERRER_MAX = 200
POLICE_REFERENCE_MAX = 50
POSTCODE_MAX = 10
ADDRESS_MAX = 500
DETAIL_MAX = 10_000
ANSWER_DETAIL_MAX = 2_000
JUDGEMENT_REASON_MAX = 2_000
CHILDREN_MAX = 30
MIN_VICTIM_AGE = 16
EARLIEST_BIRTH = date(1900, 1, 1)
