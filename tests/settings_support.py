"""What tests pass to services that take settings: the test app's own, as a request or a job
would build them, and `enqueue` as a request's boundary runs it (read, commit, enqueue,
commit the mark)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from flask import current_app

from triage.extensions import db
from triage.services import due_action_queue
from triage.services.calendar import current_calendar
from triage.settings import Settings
from triage.timeutil import utcnow


def app_settings() -> Settings:
    return Settings.from_config(current_app.config, current_app.instance_path)


def marac_args() -> dict:
    """The MARAC services' schedule settings and calendar, as the app configures them."""
    settings = app_settings()
    return {"settings": settings.marac, "calendar": current_calendar(settings.calendar)}


def enqueue(due_action_ids: Iterable[int], *, now: datetime | None = None) -> None:
    actions = due_action_queue.queued(due_action_ids)
    db.session.commit()
    due_action_queue.enqueue(actions, now=now or utcnow())
    db.session.commit()
