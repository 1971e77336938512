"""Signed checkpoints of the audit chain head, so that truncation is detectable too.

The hash chain alone proves that what is there fits together; it cannot show that the
newest events were cut off. A checkpoint records the chain head (sequence number, hash,
time) signed with HMAC-SHA256 in three places:

- a JSON-lines file that is only ever appended to (AUDIT_CHECKPOINT_PATH, by default
  `audit-checkpoints.jsonl` in the instance folder; operations ship or back it up elsewhere);
- a structured log line (metadata only: sequence number and hashes);
- the `system_state` row "audit_checkpoint" (shown on the admin audit page).

Each checkpoint also logs the events written since the previous one, one line each on the
logger "triage.audit.events" (sequence number, time, actor, action, object, hash; never
details or reason), so the trail's metadata reaches the central log store as well.

`verify_with_checkpoints()` walks the chain and then checks it against every checkpoint:
a checkpoint beyond the end of the chain means the tail was removed; a checkpoint whose hash
differs from the stored event means the chain was rewritten.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from triage.extensions import db
from triage.models import AuditEvent
from triage.services import audit, system_state
from triage.settings import Settings

log = logging.getLogger(__name__)
# The audit events themselves, metadata only, for shipping to a separate log store.
event_log = logging.getLogger("triage.audit.events")

STATE_KEY = "audit_checkpoint"


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    signature: str

    def body(self) -> dict:
        return {"seq": self.seq, "hash": self.hash, "at": self.at}

    def as_dict(self) -> dict:
        return {**self.body(), "signature": self.signature}


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    events: int
    head_seq: int
    head_hash: str
    checkpoints: int
    first_bad_seq: int | None
    problem: str | None
    notes: list[str] = field(default_factory=list)


def _sign(body: dict, key: bytes) -> str:
    message = json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signature_valid(checkpoint: Checkpoint, key: bytes) -> bool:
    return hmac.compare_digest(_sign(checkpoint.body(), key), checkpoint.signature)


def _ship_events(after_seq: int, up_to_seq: int) -> int:
    """Log one metadata-only line per event since the last checkpoint, for the central log
    store: sequence number, time, actor, action, object and hash (never details or reason)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.seq > after_seq, AuditEvent.seq <= up_to_seq)
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    result = db.session.scalars(query)
    shipped = 0
    try:
        for event in result:
            event_log.info(
                "audit event seq=%d at=%s actor=%s:%s action=%s object=%s:%s hash=%s",
                event.seq,
                event.occurred_at.isoformat(),
                event.actor_type,
                event.actor_id or "-",
                event.action,
                event.object_type or "-",
                event.object_id or "-",
                event.hash,
            )
            shipped += 1
    finally:
        result.close()
    return shipped


def write_checkpoint(now: datetime, *, settings: Settings) -> Checkpoint:
    """Record the current chain head in the file, the log and system_state, and log the
    events written since the previous checkpoint (metadata only). The caller commits."""
    seq, head = audit._chain_head()
    previous = last_checkpoint()
    _ship_events(previous.seq if previous and previous.seq <= seq else 0, seq)
    body = {"seq": seq, "hash": head, "at": now.replace(microsecond=0).isoformat()}
    checkpoint = Checkpoint(signature=_sign(body, settings.audit_checkpoint_key), **body)
    path = settings.audit_checkpoint_path
    path.parent.mkdir(parents=True, exist_ok=True)
    line = json.dumps(checkpoint.as_dict(), sort_keys=True) + "\n"
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    log.info(
        "audit checkpoint seq=%d hash=%s at=%s signature=%s",
        checkpoint.seq,
        checkpoint.hash,
        checkpoint.at,
        checkpoint.signature,
    )
    system_state.put(STATE_KEY, checkpoint.as_dict(), now=now)
    return checkpoint


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """Every checkpoint in the file (a line that is not a checkpoint is an error)."""
    if not path.exists():
        return []
    found = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                found.append(
                    Checkpoint(
                        seq=int(raw["seq"]),
                        hash=str(raw["hash"]),
                        at=str(raw["at"]),
                        signature=str(raw["signature"]),
                    )
                )
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}: line {number} is not a checkpoint") from exc
    return found


def last_checkpoint() -> Checkpoint | None:
    row = system_state.get(STATE_KEY)
    if row is None or not row.value:
        return None
    value = row.value
    return Checkpoint(
        seq=int(value["seq"]), hash=value["hash"], at=value["at"], signature=value["signature"]
    )


def _stored_hashes(seqs: set[int]) -> dict[int, str]:
    found: dict[int, str] = {}
    ordered = sorted(seqs)
    for start in range(0, len(ordered), 1000):
        chunk = ordered[start : start + 1000]
        rows = db.session.execute(
            select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(chunk))
        )
        found.update({row.seq: row.hash for row in rows})
    return found


def verify_with_checkpoints(settings: Settings) -> VerificationReport:
    """Walk the chain, then check it against every checkpoint; name the first bad seq."""
    chain = audit.verify_stored_chain()
    head_seq = db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
    head_seq = head_seq or 0
    checkpoints = read_checkpoints(settings.audit_checkpoint_path)
    state = last_checkpoint()
    if state is not None and all((c.seq, c.hash) != (state.seq, state.hash) for c in checkpoints):
        checkpoints.append(state)

    problems: list[tuple[int, str]] = []
    if not chain.ok and chain.first_bad_seq is not None:
        problems.append((chain.first_bad_seq, chain.problem or "chain broken"))
    stored = _stored_hashes({c.seq for c in checkpoints if c.seq > 0})
    for checkpoint in checkpoints:
        if not signature_valid(checkpoint, settings.audit_checkpoint_key):
            problems.append((checkpoint.seq, f"checkpoint of {checkpoint.at} has a bad signature"))
        elif checkpoint.seq > head_seq:
            problems.append(
                (
                    head_seq + 1,
                    f"events after {head_seq} are missing: checkpoint of {checkpoint.at} "
                    f"saw sequence {checkpoint.seq} (truncated)",
                )
            )
        elif checkpoint.seq > 0 and stored.get(checkpoint.seq) != checkpoint.hash:
            problems.append(
                (
                    checkpoint.seq,
                    f"event differs from the checkpoint of {checkpoint.at} (chain rewritten)",
                )
            )
    first = min(problems, key=lambda item: item[0]) if problems else None
    return VerificationReport(
        ok=first is None,
        events=chain.events,
        head_seq=head_seq,
        head_hash=chain.head_hash,
        checkpoints=len(checkpoints),
        first_bad_seq=first[0] if first else None,
        problem=first[1] if first else None,
        notes=[f"sequence {seq}: {text}" for seq, text in sorted(problems)],
    )
