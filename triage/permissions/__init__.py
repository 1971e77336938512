"""Who may do what, and see which case: below the services, so services, queries, views,
templates and the API all ask the same questions (`can`, `visible_referrals_clause`)."""

from triage.permissions.capabilities import (
    ALL_CAPABILITIES,
    MFA_STEP,
    ROLE_CAPABILITIES,
    SELF_SERVICE,
    capabilities_for,
)
from triage.permissions.cases import (
    can,
    can_see_referral,
    has_capability,
    visible_referrals_clause,
)

__all__ = [
    "ALL_CAPABILITIES",
    "MFA_STEP",
    "ROLE_CAPABILITIES",
    "SELF_SERVICE",
    "can",
    "can_see_referral",
    "capabilities_for",
    "has_capability",
    "visible_referrals_clause",
]
