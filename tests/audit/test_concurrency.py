"""Concurrent writers, each in its own app context and transaction, never fork the chain."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from triage.extensions import db
from triage.models import AuditEvent
from triage.services import audit
from triage.services.actor import Actor

THREADS = 6
EVENTS_EACH = 15


def test_concurrent_appends_give_one_contiguous_verified_chain(app, committed):
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(number: int) -> None:
        try:
            with app.app_context():
                start.wait(timeout=30)
                for i in range(EVENTS_EACH):
                    audit.record(
                        "test.concurrent",
                        Actor.job(f"writer-{number}"),
                        object_type="test",
                        object_id=f"{number}-{i}",
                    )
                    db.session.commit()  # one transaction per event: maximum interleaving
                db.session.remove()
        except BaseException as exc:  # collected and re-raised in the test thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors

    with app.app_context():
        seqs = db.session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        assert seqs == list(range(1, THREADS * EVENTS_EACH + 1))
        prev_hashes = db.session.scalar(select(func.count(func.distinct(AuditEvent.prev_hash))))
        assert prev_hashes == THREADS * EVENTS_EACH  # no two events share a parent: no fork
        report = audit.verify_stored_chain()
        assert report.ok, report
        assert report.events == THREADS * EVENTS_EACH
