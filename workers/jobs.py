"""RQ entry points. Each takes ids (never objects), runs in an app context, loads fresh
state, calls triage services and commits once."""

from __future__ import annotations

import os
import socket

from triage.extensions import db
from triage.services import system_state
from workers.context import in_app_context


@in_app_context
def record_worker_heartbeat() -> dict:
    """Proves, end to end, that a worker can take a job from Redis and write to the database."""
    value = {"host": socket.gethostname(), "pid": os.getpid()}
    system_state.put("worker_heartbeat", value)
    db.session.commit()
    return value
