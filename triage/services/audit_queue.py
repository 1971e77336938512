"""Audit events waiting in the session for the end of the transaction.

`audit.record` does not append to the chain at once: it queues the event on the session, and
the whole queue is appended in one statement just before the transaction commits (still
inside it), so the chain lock is held only for that INSERT and the COMMIT, not for the rest
of the request. An event recorded inside a savepoint that is rolled back (`attempt(...)`) is
dropped with it; a rollback of the whole transaction drops them all.

Reading the trail in the same transaction still sees what was recorded: a SELECT whose
entity is `AuditEvent` (or a Core SELECT from its table) appends the queue first (read your
own writes); code that reads the table otherwise (raw SQL, a join from another entity)
calls `audit.flush_queued()` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

_QUEUE = "triage_audit_queue"  # [(owner transaction or None, event)]
_ROLLED_BACK = "triage_audit_rolled_back"  # savepoints rolled back since the queue began

Writer = Callable[[Session, list[Any]], None]
_writer: list[Writer] = []


def queue(session: Session, item: Any) -> None:
    """Hold `item` until the transaction commits (or is read from)."""
    # Begin the transaction now if none has (no SQL is sent): a rollback must drop the item.
    owner = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(_QUEUE, []).append((owner, item))


def queued(session: Session) -> list[Any]:
    """The items still to be written, in the order they were recorded."""
    rolled_back = session.info.get(_ROLLED_BACK, [])
    return [item for owner, item in session.info.get(_QUEUE, []) if _kept(owner, rolled_back)]


def write_queued(session: Session) -> None:
    """Hand what is queued to the writer now (the queue is emptied first, so the writer's
    own reads of the audit table do not come back here)."""
    items = queued(session)
    session.info.pop(_QUEUE, None)
    session.info.pop(_ROLLED_BACK, None)
    if items and _writer:
        _writer[0](session, items)


def _kept(owner: SessionTransaction | None, rolled_back: list[SessionTransaction]) -> bool:
    while owner is not None:
        if any(owner is gone for gone in rolled_back):
            return False
        owner = owner.parent
    return True


def install(writer: Writer) -> None:
    """Register the function that appends the queue to the chain (once, at import)."""
    if _writer:
        return
    _writer.append(writer)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    event.listen(Session, "after_transaction_end", _after_transaction_end)
    event.listen(Session, "do_orm_execute", _before_select)


def _before_commit(session: Session) -> None:
    # A savepoint's release is not the end: the queue waits for the real commit.
    if session.info.get(_QUEUE) and not session.in_nested_transaction():
        write_queued(session)


def _after_soft_rollback(session: Session, transaction: SessionTransaction) -> None:
    if _QUEUE not in session.info:
        return
    if transaction.parent is None:
        session.info.pop(_QUEUE, None)
        session.info.pop(_ROLLED_BACK, None)
    else:
        session.info.setdefault(_ROLLED_BACK, []).append(transaction)


def _after_transaction_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (queue written) or rolled back (dropped)
        session.info.pop(_QUEUE, None)
        session.info.pop(_ROLLED_BACK, None)


_reads: list[Any] = []  # the audit table, set by the writer's module


def watch_reads_of(table: Any) -> None:
    """SELECTs from `table` append the queue first."""
    if not _reads:
        _reads.append(table)


def _before_select(state: ORMExecuteState) -> None:
    if not state.is_select or not state.session.info.get(_QUEUE) or not _reads:
        return
    table = _reads[0]
    mappers = state.all_mappers
    if mappers:  # an ORM query: its entities name the tables (cheap)
        hit = any(mapper.local_table is table for mapper in mappers)
    else:  # Core, e.g. select(func.count()).select_from(table): look at its FROM list
        froms = getattr(state.statement, "get_final_froms", lambda: [])()
        hit = any(getattr(f, "name", None) == table.name for f in froms)
    if hit:
        write_queued(state.session)
