"""Hand a request's new or retried due actions to Redis once the request has committed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from triage.services import due_action_queue
from triage.services.due_action_queue import QueuedAction
from triage.web.transaction import after_commit


def enqueue_after_commit(due_action_ids: Iterable[int], *, now: datetime) -> None:
    """Read the rows' keys and due times now, inside the request's transaction, and schedule
    their jobs after the commit: a worker never sees a row that does not exist yet, and no
    database lock is held while Redis answers."""
    actions = due_action_queue.queued(due_action_ids)
    if actions:
        after_commit(lambda: due_action_queue.enqueue(actions, now=now))


def schedule_after_commit(actions: Iterable[QueuedAction], *, now: datetime) -> None:
    """Schedule rows written `enqueued` (their keys already in hand) once the request has
    committed: one Redis pipeline, no database statement before or after it."""
    actions = list(actions)
    if actions:
        after_commit(lambda: due_action_queue.schedule(actions, now=now))
