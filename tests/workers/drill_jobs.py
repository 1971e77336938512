"""Failure-injection job for the kill drill: the first attempt does the work and then stalls
before its commit (where the drill kills it); later attempts are the production job."""

from __future__ import annotations

import os
import time
from pathlib import Path

from tests.settings_support import app_settings
from triage.extensions import db
from triage.services import due_action_run
from triage.services.actor import Actor
from triage.timeutil import utcnow
from workers.context import in_app_context


@in_app_context
def run_due_action_stalling_once(due_action_id: int, marker: str) -> dict:
    result = due_action_run.run_due_action(
        due_action_id, now=utcnow(), actor=Actor.job("run_due_action"), settings=app_settings()
    )
    path = Path(marker)
    if not path.exists():
        path.write_text(str(os.getpid()))
        time.sleep(120)  # the drill sends SIGKILL while we sit here, before the commit
    db.session.commit()
    return result
