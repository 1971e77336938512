"""The data model: one module per aggregate. Importing this package registers every table."""

from triage.models.audit import AuditEvent
from triage.models.draft import ReferralDraft
from triage.models.marac import MaracAction, MaracListing, MaracMeeting
from triage.models.notification import Notification
from triage.models.outbox import OutboxMessage
from triage.models.person import Person, PersonDetails, PossibleMatch
from triage.models.referral import Offer, Referral
from triage.models.ruleset import RuleSetVersion
from triage.models.scheduling import ClosureDay, DueAction, SystemState
from triage.models.screening import AssessmentRecord, ScreeningDecision
from triage.models.user import ROLES, ApiToken, AuthSession, User, UserRole

__all__ = [
    "ROLES",
    "ApiToken",
    "AssessmentRecord",
    "AuditEvent",
    "AuthSession",
    "ClosureDay",
    "DueAction",
    "MaracAction",
    "MaracListing",
    "MaracMeeting",
    "Notification",
    "Offer",
    "OutboxMessage",
    "Person",
    "PersonDetails",
    "PossibleMatch",
    "Referral",
    "ReferralDraft",
    "RuleSetVersion",
    "ScreeningDecision",
    "SystemState",
    "User",
    "UserRole",
]
