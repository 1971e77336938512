"""Data for the audit and lifecycle tests (referrals made directly, without intake rules)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from tests.factories import make_details, make_person
from triage.extensions import db
from triage.models import Referral
from triage.services import audit
from triage.services.actor import Actor

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
ACTOR = Actor.system("test")
VICTIM_DETAILS = {
    "first_name": "Alex",
    "last_name": "Example",
    "postcode": "E15 4QQ",
    "address": "12 Acacia Avenue",
    "gender": "female",
    "racially_minoritised": True,
}
PERPETRATOR_DETAILS = {"first_name": "Pat", "last_name": "Perpetrator"}


def make_referral(**fields) -> Referral:
    """A referral with its own record of its people (`victim_details`, `perpetrator_details`
    override what it recorded)."""
    victim_details = {**VICTIM_DETAILS, **fields.pop("victim_details", {})}
    perpetrator_details = {**PERPETRATOR_DETAILS, **fields.pop("perpetrator_details", {})}
    victim = fields.pop("victim", None) or make_person()
    perpetrator = fields.pop("perpetrator", None)
    if perpetrator is None and fields.pop("with_perpetrator", True):
        perpetrator = make_person(first_name="Pat", last_name="Perpetrator")
    referral = Referral(
        source_agency=fields.pop("source_agency", "police"),
        referrer_name=fields.pop("referrer_name", "PC Referrer"),
        referrer_contact=fields.pop("referrer_contact", "referrer@police.example"),
        police_reference=fields.pop("police_reference", None),
        victim_id=victim.id,
        perpetrator_id=perpetrator.id if perpetrator else None,
        received_at=fields.pop("received_at", NOW),
        answers=fields.pop(
            "answers", {"dash": {"1": "yes"}, "professional_judgement_reason": "Judged high"}
        ),
        answer_details=fields.pop("answer_details", {"1": "Bruised arm, said he pushed her"}),
        detail=fields.pop("detail", "Incident at 12 Acacia Avenue, neighbours called police"),
        dash_completed_by=fields.pop("dash_completed_by", "PC Dash"),
        assessment=fields.pop("assessment", {"score": 1}),
        ruleset_version=fields.pop("ruleset_version", "test"),
        score=fields.pop("score", 1),
        risk_level=fields.pop("risk_level", "standard"),
        **fields,
    )
    db.session.add(referral)
    db.session.flush()
    make_details(referral, "victim", **victim_details)
    if perpetrator is not None:
        make_details(referral, "perpetrator", **perpetrator_details)
    return referral


def append_events(count: int, actor: Actor = ACTOR) -> list:
    """`count` events, appended to the chain now (so each has its seq and hash)."""
    events = [
        audit.record("test.event", actor, object_type="test", object_id=i, details={"n": i})
        for i in range(count)
    ]
    audit.flush_queued()
    return events


def tamper(sql: str, **params) -> None:
    """Run SQL on audit_events as the database owner, past the append-only trigger."""
    audit.flush_queued()  # raw SQL does not see events still queued in the session
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    db.session.execute(text(sql), params)
    if postgres:
        db.session.execute(text("ALTER TABLE audit_events ENABLE TRIGGER USER"))
    db.session.expire_all()


def is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"
