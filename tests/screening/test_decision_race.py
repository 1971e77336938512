"""Two screeners deciding the same referral at once, in two real transactions (threads, each
with its own connection): the second is told about the first's decision and writes nothing.
Run on PostgreSQL (the row lock) and on SQLite (the write lock)."""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select

from tests.factories import make_user
from tests.screening.support import NOW, actor_for, decision, referral
from triage.extensions import db
from triage.models import ScreeningDecision, User
from triage.services.screening_decisions import StaleDecision, decide


def test_the_second_of_two_concurrent_decisions_is_stale_and_nothing_is_overwritten(app, committed):
    with app.app_context():
        case = referral()
        first, second = make_user(roles=["screener"]), make_user(roles=["screener"])
        owner_a, owner_b = make_user(roles=["idva"]), make_user(roles=["idva"])
        db.session.commit()
        ids = case.id, first.id, second.id, owner_a.id, owner_b.id
    case_id, first_id, second_id, owner_a_id, owner_b_id = ids
    a_wrote, b_started = threading.Event(), threading.Event()
    results: dict[str, object] = {}

    def screener_a() -> None:
        with app.app_context():
            try:
                user = db.session.get(User, first_id)
                decide(case_id, decision(owner_a_id), actor=actor_for(user), now=NOW)
                a_wrote.set()
                b_started.wait(10)
                time.sleep(0.5)  # B is now waiting for A's lock
                results["a_committed_at"] = time.monotonic()
                db.session.commit()
            except Exception as exc:  # reported below, never swallowed
                results["a_error"] = exc
                a_wrote.set()
                db.session.rollback()
            finally:
                db.session.remove()

    def screener_b() -> None:
        a_wrote.wait(10)
        with app.app_context():
            try:
                b_started.set()  # its first statement waits for A's lock (SQLite: BEGIN)
                user = db.session.get(User, second_id)
                decide(case_id, decision(owner_b_id, notes="B"), actor=actor_for(user), now=NOW)
                db.session.commit()
                results["b"] = "saved"
            except StaleDecision as stale:
                current = stale.current
                results["b"] = (stale.current_version, current.owner_id if current else None)
                results["b_done_at"] = time.monotonic()
                db.session.rollback()
            except Exception as exc:
                results["b"] = exc
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=screener_a), threading.Thread(target=screener_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert "a_error" not in results, results
    assert results["b"] == (1, owner_a_id)  # told the version and decision now in force
    assert results["b_done_at"] >= results["a_committed_at"]  # B waited for A's commit
    with app.app_context():
        rows = db.session.execute(
            select(ScreeningDecision.version, ScreeningDecision.owner_id).where(
                ScreeningDecision.referral_id == case_id
            )
        ).all()
        assert rows == [(1, owner_a_id)]
        assert db.session.scalar(select(func.count()).select_from(ScreeningDecision)) == 1
