"""Roles map to capabilities. Views and jobs ask for a capability, never for a role."""

from __future__ import annotations

from collections.abc import Iterable

# Every signed-in user may use their own account pages (home, notifications, sign-out).
SELF_SERVICE = "account.self"
# The second sign-in step: reachable only by a session that has passed the password and not yet
# the second factor (triage.auth.decorators.mfa_step). No role grants it.
MFA_STEP = "account.mfa_step"

ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    "referrer": frozenset({"referral.create", "referral.view"}),
    "idva": frozenset(
        {"referral.create", "referral.view", "offer.record", "marac.view", "caseload.view"}
    ),
    "screener": frozenset(
        {
            "referral.view",
            "referral.screen",
            "referral.import",
            "referral.search",
            "offer.record",
            "marac.view",
            "caseload.view",
        }
    ),
    # The S2S lead receives overdue-offer escalations; give the lead the screener role too so
    # that object-level access (triage/permissions/cases.py) shows them every referral.
    # The lead also reads the manager reports (issue 10: "managers and leads"), and only the
    # lead may close a case still open at MARAC (its listing is withdrawn).
    "s2s_lead": frozenset(
        {
            "referral.view",
            "referral.screen",
            "referral.search",
            "referral.close_override",
            "offer.record",
            "marac.view",
            "caseload.view",
            "escalation.receive",
            "report.view",
        }
    ),
    "marac_coordinator": frozenset({"referral.view", "marac.view", "marac.manage"}),
    "manager": frozenset({"report.view", "ruleset.replay"}),
    "admin": frozenset(
        {"user.manage", "ops.view", "ops.manage", "audit.view", "ruleset.manage", "calendar.manage"}
    ),
}

ALL_CAPABILITIES: frozenset[str] = frozenset().union(*ROLE_CAPABILITIES.values()) | {
    SELF_SERVICE,
    MFA_STEP,
}


def capabilities_for(roles: Iterable[str]) -> frozenset[str]:
    caps = {SELF_SERVICE}
    for role in roles:
        caps |= ROLE_CAPABILITIES.get(role, frozenset())
    return frozenset(caps)
