"""Records a refused request must keep: its sign-in check's session touch, time-out or token
use. A refusal rolls back whatever the request had begun (triage.web.errors); these steps are
then run again, in the same transaction, so the request's one commit keeps them with the
refusal's own audit event. A refused request was still the user's activity, and a session
that timed out has still timed out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import g

T = TypeVar("T")
_KEY = "_kept_steps"


def run_and_keep(step: Callable[[], T]) -> T:
    """Run `step` now, and again after a refusal's rollback. It must give the same writes when
    run twice in one request (it is given the request's one "now")."""
    g.setdefault(_KEY, []).append(step)
    return step()


def rerun_kept() -> None:
    """After a rollback: write again what this request's kept steps wrote."""
    for step in g.get(_KEY, []):
        step()
