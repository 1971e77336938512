"""Helpers for the scheduling tests: referrals inserted directly (the intake service is another
engineer's; these tests are about what happens after a referral exists)."""

from __future__ import annotations

from datetime import datetime

from rq import Queue, SimpleWorker
from rq.scheduler import RQScheduler

from tests.factories import make_details, make_person
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models import AuditEvent, DueAction, Referral
from triage.services import due_action_plan
from triage.services.actor import Actor

ACTOR = Actor.system("test")


def make_referral(
    received_at: datetime, *, marac: bool = False, screener_id: int | None = None
) -> Referral:
    victim = make_person()
    referral = Referral(
        source_agency="police",
        referrer_name="PC Example",
        victim_id=victim.id,
        received_at=received_at,
        answers={},
        assessment={"marac_criteria": ["visible_high_risk"] if marac else []},
        ruleset_version="test",
        score=15 if marac else 3,
        risk_level="high" if marac else "standard",
        marac=marac,
        assigned_screener_id=screener_id,
    )
    db.session.add(referral)
    db.session.flush()
    make_details(referral, "victim", first_name="Alex", last_name="Example")
    return referral


def planned_referral(received_at: datetime, now: datetime, **kwargs) -> tuple[Referral, list[int]]:
    referral = make_referral(received_at, **kwargs)
    ids = due_action_plan.plan_for_referral(referral, now=now, actor=ACTOR, settings=app_settings())
    db.session.commit()
    return referral, ids


def actions(referral_id: int) -> dict[str, DueAction]:
    db.session.expire_all()
    rows = db.session.scalars(
        db.select(DueAction).where(DueAction.referral_id == referral_id)
    ).all()
    return {row.kind: row for row in rows}


def audit_actions(action: str, object_id=None) -> list[AuditEvent]:
    query = db.select(AuditEvent).where(AuditEvent.action == action)
    if object_id is not None:
        query = query.where(AuditEvent.object_id == str(object_id))
    return list(db.session.scalars(query))


def run_worker(redis_client) -> None:
    """One in-process burst of a real RQ worker (with its scheduler, which moves jobs whose
    time has come from the scheduled registry onto the queue)."""
    queues = [Queue(name, connection=redis_client) for name in ("deadlines", "default")]
    SimpleWorker(queues, connection=redis_client).work(burst=True, with_scheduler=True)


def live_scheduler(redis_client, name: str = "test-scheduler") -> RQScheduler:
    """An RQ scheduler that holds every queue's lock and has just beaten, as a running
    worker's would (no process: the tests that need one start a real worker)."""
    scheduler = RQScheduler(["deadlines", "default"], connection=redis_client, name=name)
    scheduler.acquire_locks()
    scheduler.register_birth()
    return scheduler
