"""The MARAC follow-up deadlines run by a real RQ worker on real Redis at (frozen) times:
nothing before its time, reminders at opening time on the last day, escalations at close of
business, across the Easter bank holidays."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from tests.factories import make_user
from tests.marac_support import ACTOR
from tests.services.test_marac_follow_up import (
    FEEDBACK_DUE,
    FEEDBACK_REMIND,
    HELD,
    MINUTES_DUE,
    MINUTES_REMIND,
    _meeting_with_cases,
)
from tests.settings_support import app_settings, enqueue
from tests.workers.support import run_worker
from triage.extensions import db
from triage.models import DueAction, Notification
from triage.services import marac_actions


def _kinds() -> list[str]:
    db.session.expire_all()
    return sorted(n.kind for n in db.session.scalars(db.select(Notification)))


def test_follow_up_reminders_and_escalations_fire_on_time_through_the_worker(app_ctx, redis_client):
    make_user(roles=["marac_coordinator"])
    make_user(roles=["manager"])
    make_user(roles=["screener", "s2s_lead"])
    with time_machine.travel(HELD, tick=False):
        meeting, _listings = _meeting_with_cases()
        held = marac_actions.mark_held(meeting.id, actor=ACTOR, now=HELD, settings=app_settings())
        enqueue(held.due_action_ids, now=HELD)
        run_worker(redis_client)
        assert _kinds() == []
    with time_machine.travel(FEEDBACK_REMIND - timedelta(seconds=1), tick=False):
        run_worker(redis_client)
        assert _kinds() == []
    with time_machine.travel(FEEDBACK_REMIND, tick=False):
        run_worker(redis_client)
        assert _kinds() == ["marac_feedback_reminder"] * 2
    with time_machine.travel(FEEDBACK_DUE, tick=False):
        run_worker(redis_client)
        assert _kinds().count("marac_feedback_escalation") == 2
    with time_machine.travel(MINUTES_REMIND, tick=False):
        run_worker(redis_client)
        assert "marac_minutes_reminder" in _kinds()
        assert "marac_minutes_escalation" not in _kinds()
    with time_machine.travel(MINUTES_DUE, tick=False):
        run_worker(redis_client)
        run_worker(redis_client)  # nothing left: one of each
        kinds = _kinds()
        assert kinds.count("marac_minutes_escalation") == 1
        assert kinds.count("marac_minutes_reminder") == 1
        rows = db.session.scalars(
            db.select(DueAction).where(DueAction.marac_meeting_id == meeting.id)
        ).all()
        assert {r.status for r in rows} == {"done"} and len(rows) == 6
        done = {(r.kind, r.referral_id): r.done_at for r in rows}
        assert done[("marac_minutes_escalation", None)] == MINUTES_DUE
