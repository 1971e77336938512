"""workers/supervisor.py: an outage means wait and start again; a stop means stop; a bug
still ends the process (for systemd to restart)."""

from __future__ import annotations

import signal

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy.exc import OperationalError

from workers.supervisor import Backoff, supervise

QUICK = Backoff(first=0.01, factor=2, cap=0.04, healthy_after=60)


@pytest.fixture(autouse=True)
def _keep_signal_handlers():
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    yield
    for signum, handler in saved.items():
        signal.signal(signum, handler)


def test_backoff_doubles_up_to_its_cap_and_resets_after_a_healthy_run():
    backoff = Backoff(first=1, factor=2, cap=30, healthy_after=60)
    delays, delay = [], None
    for _ in range(7):
        delay = backoff.next(delay, ran_for=0.5)
        delays.append(delay)
    assert delays == [1, 2, 4, 8, 16, 30, 30]
    assert backoff.next(30, ran_for=61) == 1


def test_outages_of_redis_or_the_database_are_waited_out_then_the_loop_runs_again(caplog):
    outcomes = [RedisConnectionError("down"), False, True]  # raise, give up, stop on a signal
    probes = [OperationalError("SELECT 1", {}, Exception("secret parameter")), None, None, None]
    calls = []

    def probe():
        failure = probes.pop(0)
        if failure is not None:
            raise failure

    def run_once():
        calls.append("run")
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    supervise(run_once, probe, name="worker", backoff=QUICK)
    assert calls == ["run", "run", "run"]
    assert not outcomes and not probes
    warnings = [r.getMessage() for r in caplog.records if r.name == "workers.supervisor"]
    assert len(warnings) == 3
    assert "OperationalError" in warnings[0] and "ConnectionError" in warnings[1]
    assert not any("secret" in w for w in warnings)  # the error's type, never its text


def test_a_stop_signal_between_runs_ends_the_loop():
    def run_once():
        signal.raise_signal(signal.SIGTERM)  # arrives after RQ's loop ended, before the next
        return False

    supervise(run_once, lambda: None, name="cron", backoff=Backoff(first=30))  # no 30 s wait


def test_a_bug_is_not_an_outage():
    def run_once():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        supervise(run_once, lambda: None, name="worker", backoff=QUICK)
