"""Append to the hash-chained audit trail, in the caller's transaction.

Each event's hash covers the previous event's hash, its sequence number and its canonical
JSON, so any edit, deletion or reordering breaks the chain at a findable place. Appends are
serialised (an advisory lock on PostgreSQL, the database write lock on SQLite) so the chain
never forks; events are queued in the session and appended together just before the commit
(`audit_queue`), so the lock is held for that one INSERT and the COMMIT.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from triage.extensions import db
from triage.models import AuditEvent
from triage.services import audit_queue
from triage.services.actor import Actor
from triage.timeutil import utcnow

GENESIS_HASH = "0" * 64

# Keys that would copy personal data into the audit trail. Audit details identify the
# object (ids, references, codes); they never copy names, addresses or narratives.
FORBIDDEN_DETAIL_KEYS = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "full_name",
        "address",
        "postcode",
        "date_of_birth",
        "dob",
        "detail",
        "notes",
        "narrative",
        "answer_details",
        "referrer_contact",
        # Free-text reasons and notes live on their domain rows, where the purge erases them.
        "note",
        "status_note",
        "move_reason",
        "late_reason_detail",
        "reason_text",
    }
)

# The audit `reason` is a code (e.g. "not_contactable"), never what someone typed: the trail
# is append-only, so text there could never be purged (docs/security.md G16).
REASON_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


class AuditDetailsRefused(ValueError):
    """Raised when `details` would copy personal data into the audit trail."""


def _check_reason(reason: str | None) -> None:
    if reason is not None and not REASON_CODE.fullmatch(reason):
        raise AuditDetailsRefused(
            "reason: only a reason code (lower-case letters, digits, _; up to 40) is audited; "
            "keep the text on the domain row and record reason_given"
        )


def _check_details(value: object, path: str = "details") -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if str(key).lower() in FORBIDDEN_DETAIL_KEYS:
                raise AuditDetailsRefused(
                    f"{path}.{key}: personal data must not be copied into the audit trail"
                )
            _check_details(inner, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            _check_details(inner, f"{path}[{index}]")


def diff(before: dict, after: dict, *, redact: Iterable[str] = ()) -> dict:
    """The fields that changed, as {"field": {"from": old, "to": new}}.

    Fields named in `redact` or in FORBIDDEN_DETAIL_KEYS (free text, names, contact
    details) are only listed under "changed_without_values", so a change event never
    copies personal data into the trail.
    """
    hidden = set(redact) | FORBIDDEN_DETAIL_KEYS
    changes: dict = {}
    unvalued: list[str] = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key in hidden:
            unvalued.append(key)
        else:
            changes[key] = {"from": old, "to": new}
    if unvalued:
        changes["changed_without_values"] = unvalued
    return changes


# Any fixed 64-bit number: the advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 0x7472696167650001


def canonical_payload(event: AuditEvent) -> str:
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor_type": event.actor_type,
        "actor_id": event.actor_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "details": event.details or {},
        "reason": event.reason,
        "request_id": event.request_id,
        "ip": event.ip,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha256_v1(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical_payload(event)).encode("utf-8")).hexdigest()


# Every hash function the chain has used, by the version stored on each event. A new function
# gets a new number here; events already written keep theirs and still verify.
CHAIN_HASHES = {1: _sha256_v1}
CHAIN_VERSION = 1  # what new events are chained with


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    """The hash of `event` after `prev_hash`, by the function its chain_version names."""
    version = event.chain_version or CHAIN_VERSION
    try:
        function = CHAIN_HASHES[version]
    except KeyError:
        raise UnknownChainVersion(version) from None
    return function(prev_hash, event)


class UnknownChainVersion(ValueError):
    """An event names a chain version this code does not know (altered, or newer code)."""


def _lock_chain() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_KEY})


def _chain_head() -> tuple[int, str]:
    row = db.session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    return (row.seq, row.hash) if row else (0, GENESIS_HASH)


def record(
    action: str,
    actor: Actor,
    *,
    object_type: str | None = None,
    object_id: object = None,
    details: dict | None = None,
    reason: str | None = None,
    now: datetime | None = None,
) -> AuditEvent:
    """Record one event (appended to the chain when the transaction commits). `details`
    must identify, not copy: no narratives, no addresses.

    Raises `AuditDetailsRefused` (a ValueError) if a key of `details` names personal data
    (see FORBIDDEN_DETAIL_KEYS) or `reason` is not a code (REASON_CODE); the caller's
    transaction then fails as a whole.
    """
    _check_details(details or {})
    _check_reason(reason)
    event = AuditEvent(
        occurred_at=(now or utcnow()).replace(microsecond=0),
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        # Round-trip through JSON now, so the hash covers exactly what the database returns.
        details=json.loads(json.dumps(details or {}, default=str)),
        reason=reason,
        request_id=actor.request_id,
        ip=actor.ip,
        chain_version=CHAIN_VERSION,
    )
    # Chained and inserted just before the commit (audit_queue), in the same transaction:
    # the chain lock is then held for one INSERT and the COMMIT only.
    audit_queue.queue(db.session(), event)
    return event


def _append_queued(session: Session, events: list[AuditEvent]) -> None:
    """Chain the queued events after the head and insert them in one flush. The caller's
    other writes are flushed first, so nothing but this INSERT runs under the lock."""
    session.flush()
    _lock_chain()
    seq, prev_hash = _chain_head()
    for event in events:
        seq += 1
        event.seq, event.prev_hash = seq, prev_hash
        event.hash = prev_hash = chain_hash(prev_hash, event)
    session.add_all(events)
    session.flush()


def flush_queued() -> None:
    """Append what this transaction has recorded so far (e.g. before reading the head)."""
    audit_queue.write_queued(db.session())


audit_queue.install(_append_queued)
audit_queue.watch_reads_of(AuditEvent.__table__)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    first_bad_seq: int | None
    problem: str | None
    head_hash: str


def verify_chain(events: Iterable[AuditEvent]) -> ChainReport:
    """Walk events in sequence order; name the first one that does not fit the chain."""
    prev_hash, expected_seq, count = GENESIS_HASH, 1, 0
    for event in events:
        count += 1
        if event.seq != expected_seq:
            return ChainReport(False, count, expected_seq, "sequence gap or reorder", prev_hash)
        if event.prev_hash != prev_hash:
            return ChainReport(False, count, event.seq, "previous hash does not match", prev_hash)
        try:
            expected_hash = chain_hash(prev_hash, event)
        except UnknownChainVersion:
            return ChainReport(False, count, event.seq, "unknown chain version", prev_hash)
        if expected_hash != event.hash:
            return ChainReport(False, count, event.seq, "event content was altered", prev_hash)
        prev_hash, expected_seq = event.hash, expected_seq + 1
    return ChainReport(True, count, None, None, prev_hash)


# The columns the walk needs: what the chain hash covers, and the chain's own fields.
_CHAIN_COLUMNS = (
    "seq",
    "occurred_at",
    "actor_type",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "details",
    "reason",
    "request_id",
    "ip",
    "prev_hash",
    "hash",
    "chain_version",
)


def verify_stored_chain(batch_size: int = 5000) -> ChainReport:
    """Walk the stored chain in `seq` order. Core rows (a server-side cursor on PostgreSQL),
    not ORM objects: a row has the attributes `chain_hash` reads, so the bytes hashed are the
    same, without building and tracking an `AuditEvent` per event (62x slower at 6M)."""
    columns = [AuditEvent.__table__.c[name] for name in _CHAIN_COLUMNS]
    query = select(*columns).order_by(AuditEvent.__table__.c.seq)
    # A session execute, so what this transaction has queued is appended first.
    result = db.session.execute(query, execution_options={"yield_per": batch_size})
    try:
        return verify_chain(result)  # type: ignore[arg-type]  (rows quack like events)
    finally:
        result.close()  # stopping early must not leave the server-side cursor open
