"""An administrator's check of the whole audit trail (chain and checkpoints), itself audited:
the trail records who verified it, when, and what they were shown."""

from __future__ import annotations

from datetime import datetime

from triage.extensions import db
from triage.services import audit, audit_checkpoint
from triage.services.actor import Actor
from triage.services.audit_checkpoint import VerificationReport
from triage.settings import Settings


def verify_trail(actor: Actor, settings: Settings, *, now: datetime) -> VerificationReport | None:
    """Verify the chain against every checkpoint; None when the checkpoint file cannot be read.
    Either way the verification is recorded in the caller's transaction."""
    try:
        with db.session.begin_nested():  # an unreadable file undoes only the check itself
            report = audit_checkpoint.verify_with_checkpoints(settings)
    except ValueError:
        report = None
    audit.record(
        "audit.verify",
        actor,
        details={
            "ok": bool(report and report.ok),
            "first_bad_seq": report.first_bad_seq if report else None,
            "events": report.events if report else None,
            "checkpoint_file_readable": report is not None,
        },
        now=now,
    )
    return report
