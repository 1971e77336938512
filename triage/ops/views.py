"""Health checks for the load balancer and the operators."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, url_for
from redis.exceptions import RedisError

from triage.auth.decorators import public, requires
from triage.ops import status
from triage.ops.forms import ClosureDayForm, RemoveClosureForm, RetryForm
from triage.redis_conn import get_redis
from triage.services import calendar, due_action_run, due_action_sweep, mail
from triage.timeutil import utcnow
from triage.web.actor import current_actor
from triage.web.deadlines import enqueue_after_commit
from triage.web.settings import request_settings
from triage.web.transaction import attempt

log = logging.getLogger(__name__)

bp = Blueprint("ops", __name__)

NAV = [
    ("Operations", "ops.operations", "ops.view"),
    ("Closure days", "ops.closure_days", "calendar.manage"),
]


@bp.route("/healthz")
@public
def healthz():
    """Liveness: the process answers. Checks nothing else, so a slow database can't kill it."""
    return jsonify({"status": "ok"})


@bp.route("/readyz")
@public
def readyz():
    """Readiness for monitoring and deploys: the database and Redis answer, an RQ scheduler is
    alive, the sweeper ran in the last SWEEPER_STALE_AFTER, no due action is late or has failed
    for good (triage/ops/status.py `readiness`). Reports ok/failing
    only; the operations page has the detail. (Point the load balancer's routing check at
    /healthz: a failed deadline should page someone, not take the site down.)"""
    checks = status.readiness(utcnow(), get_redis())
    ready = all(v == "ok" for v in checks.values())
    return jsonify(
        {"status": "ok" if ready else "failing", "checks": checks}
    ), 200 if ready else 503


@bp.route("/admin/operations")
@requires("ops.view")
def operations():
    now = utcnow()
    connection = get_redis()
    try:
        redis_view = {
            "queues": status.queue_depths(connection),
            "failed_jobs": status.failed_jobs(connection),
            **status.workers_and_cron(connection),
            "error": None,
        }
    except (RedisError, OSError) as exc:
        redis_view = {"queues": [], "failed_jobs": [], "workers": 0, "cron_schedulers": []}
        redis_view["error"] = type(exc).__name__
    return render_template(
        "ops/operations.html",
        now=now,
        sweep=due_action_sweep.last_sweep(),
        sweeper_fresh=status.sweeper_fresh(now),
        counts=status.due_action_counts(),
        failed=status.failed_due_actions(),
        late=status.late_open_actions(now),
        redis=redis_view,
        mail_counts=mail.counts(),
        outbox=mail.recent(),
        smtp=request_settings().smtp_configured,
        retry_form=RetryForm(),
        active="ops.operations",
    )


@bp.route("/admin/operations/due-actions/<int:due_action_id>/retry", methods=["POST"])
@requires("ops.manage")
def retry_due_action(due_action_id: int):
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    now = utcnow()
    if due_action_run.retry_failed(due_action_id, now=now, actor=current_actor()):
        enqueue_after_commit([due_action_id], now=now)
        flash("The action will be tried again.", "success")
    else:
        flash("That action is no longer failed.", "info")
    return redirect(url_for("ops.operations"))


@bp.route("/admin/closure-days", methods=["GET", "POST"])
@requires("calendar.manage")
def closure_days():
    form = ClosureDayForm()
    error = None
    if form.validate_on_submit():
        _day, refused = attempt(
            calendar.add_closure_day,
            form.day.data,
            form.reason.data,
            actor=current_actor(),
            now=utcnow(),
            refusals=(calendar.ClosureDayError,),
        )
        if refused is not None:
            error = str(refused)
        else:
            flash("Closure day added. Deadlines already set do not move.", "success")
            return redirect(url_for("ops.closure_days"))
    today = calendar.current_calendar(request_settings().calendar).local_date(utcnow())
    return render_template(
        "ops/closure_days.html",
        form=form,
        error=error,
        days=calendar.closure_days(from_day=today.replace(day=1, month=1)),
        remove_form=RemoveClosureForm(),
        active="ops.closure_days",
    )


@bp.route("/admin/closure-days/<int:closure_id>/remove", methods=["POST"])
@requires("calendar.manage")
def remove_closure_day(closure_id: int):
    form = RemoveClosureForm()
    if not form.validate_on_submit():
        abort(400)
    _removed, refused = attempt(
        calendar.remove_closure_day,
        closure_id,
        actor=current_actor(),
        now=utcnow(),
        refusals=(calendar.ClosureDayError,),
    )
    if refused is not None:
        flash(str(refused), "info")
    else:
        flash("Closure day removed.", "success")
    return redirect(url_for("ops.closure_days"))
