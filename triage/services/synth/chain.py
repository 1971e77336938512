"""The synthetic data set's audit trail: events chained exactly as `audit.record` chains
them (`triage.services.audit.chain_hash`), continuing from the head of the stored chain, so
`triage verify-audit` passes over the whole of it.

Events are chained in time order, as a live system would have written them: the generator
makes referrals in order of receipt, and an event waits in a heap until no later referral
can produce an earlier one (`release(until)`)."""

from __future__ import annotations

import heapq
import itertools
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from triage.services.audit import CHAIN_VERSION, chain_hash


@dataclass
class _Event:
    """The fields the chain hash covers (what `audit.canonical_payload` reads)."""

    seq: int
    occurred_at: datetime
    actor_type: str
    actor_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    details: dict
    reason: str | None
    request_id: str | None = None
    ip: str | None = None
    chain_version: int = CHAIN_VERSION


class Chain:
    """Appends events in order; `take()` hands back the rows written since the last call."""

    def __init__(self, next_id: int, head_seq: int, head_hash: str) -> None:
        self.next_id, self.seq, self.head = next_id, head_seq, head_hash
        self.rows: list[dict[str, Any]] = []
        self._waiting: list[tuple[datetime, int, _Event]] = []
        self._order = itertools.count()

    def add(
        self,
        action: str,
        at: datetime,
        *,
        user_id: int | None,
        object_type: str,
        object_id: object,
        details: dict,
        reason: str | None = None,
    ) -> None:
        event = _Event(
            seq=0,
            occurred_at=at.replace(microsecond=0),
            actor_type="user" if user_id is not None else "system",
            actor_id=str(user_id) if user_id is not None else "synth",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            # What the database returns for the JSON column, so the hash matches on reading.
            details=json.loads(json.dumps(details, default=str)),
            reason=reason,
        )
        heapq.heappush(self._waiting, (event.occurred_at, next(self._order), event))

    def release(self, until: datetime | None) -> None:
        """Chain every waiting event that happened before `until` (all of them for None)."""
        while self._waiting and (until is None or self._waiting[0][0] < until):
            _at, _n, event = heapq.heappop(self._waiting)
            self.seq += 1
            event.seq = self.seq
            digest = chain_hash(self.head, event)  # type: ignore[arg-type]
            self.rows.append(
                {"id": self.next_id, **event.__dict__, "prev_hash": self.head, "hash": digest}
            )
            self.next_id += 1
            self.head = digest

    def take(self) -> list[dict[str, Any]]:
        rows, self.rows = self.rows, []
        return rows
