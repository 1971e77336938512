"""Small named values: heartbeats and checkpoints that operations pages and /readyz read."""

from __future__ import annotations

from datetime import datetime

from triage.extensions import db
from triage.models import SystemState


def put(key: str, value: dict, *, now: datetime) -> None:
    row = db.session.get(SystemState, key)
    if row is None:
        row = SystemState(key=key)
        db.session.add(row)
    row.value = value
    row.updated_at = now
    db.session.flush()


def get(key: str) -> SystemState | None:
    return db.session.get(SystemState, key)
