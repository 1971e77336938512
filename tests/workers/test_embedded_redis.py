"""Issue 9 item 10: the embedded Redis stops with whatever started it (`flask run`, gunicorn,
`triage dev`, any script), on SIGTERM as on a normal exit, and a forked child of its owner
never stops the owner's server."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from redis import Redis

from triage import PROJECT_ROOT, embedded_redis


def _redis_servers_on(sock: Path) -> list[int]:
    """Live redis-server processes serving this socket (zombies have no command line)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            # redis-server rewrites its title to "redis-server unixsocket:<path>".
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"redis-server" in command and str(sock).encode() in command:
            found.append(int(entry.name))
    return found


def _answers(sock: Path) -> bool:
    client = Redis(unix_socket_path=str(sock), socket_timeout=1)
    try:
        return bool(client.ping())
    except OSError:
        return False
    except Exception:  # redis-py wraps socket errors in its own
        return False
    finally:
        client.close()


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _env(instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        TRIAGE_ENV="development",
        TRIAGE_INSTANCE_PATH=str(instance),
        DATABASE_URL=f"sqlite:///{instance}/triage.db",
    )
    return env


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise


def _commands(port: int) -> dict[str, list[str]]:
    python = sys.executable
    flask = [python, "-m", "flask", "--app", "wsgi"]
    return {
        "flask run": [*flask, "run", "--port", str(port), "--no-reload"],
        "gunicorn": [python, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        "triage dev": [*flask, "triage", "dev", "--port", str(port)],
    }


@pytest.mark.slow
@pytest.mark.parametrize("starter", ["flask run", "gunicorn", "triage dev"])
def test_sigterm_to_what_started_it_leaves_no_redis_server(starter, tmp_path):
    instance = tmp_path / "instance"
    sock = instance / "redis" / embedded_redis.SOCKET_NAME
    process = subprocess.Popen(
        _commands(_free_port())[starter],
        cwd=PROJECT_ROOT,
        env=_env(instance),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(lambda: _answers(sock), 60, "the embedded Redis")
        assert len(_redis_servers_on(sock)) == 1
        time.sleep(1)  # let gunicorn's second worker and `triage dev`'s children join it
    finally:
        _stop(process)
    _wait_for(lambda: not _redis_servers_on(sock), 15, "the redis-server to stop")
    assert not _answers(sock)


SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    from triage import embedded_redis

    embedded_redis.start(sys.argv[1])
    child = os.fork()
    if child == 0:
        embedded_redis.stop_all()  # a fork is not the owner: this must do nothing
        sys.exit(0)  # atexit runs in the child too
    os.waitpid(child, 0)
    print("ready", flush=True)
    time.sleep(60)
    """
)


def test_a_forked_child_leaves_the_owners_server_and_sigterm_stops_it(tmp_path):
    folder = tmp_path / "redis"
    sock = folder / embedded_redis.SOCKET_NAME
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(folder)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        try:
            assert process.stdout.readline().strip() == "ready"
            assert _answers(sock), "the child's exit stopped its parent's server"
        finally:
            _stop(process)
    assert process.returncode == -signal.SIGTERM  # still dies of the signal, as before
    _wait_for(lambda: not _redis_servers_on(sock), 15, "the redis-server to stop")


def test_a_server_left_by_a_killed_owner_is_adopted_and_stopped(tmp_path):
    folder = tmp_path / "redis"
    sock = folder / embedded_redis.SOCKET_NAME
    with subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(folder)], cwd=PROJECT_ROOT, stdout=subprocess.PIPE
    ) as owner:
        assert owner.stdout.readline().strip() == b"ready"
        owner.kill()  # SIGKILL: no handler, no atexit
    assert _answers(sock)

    adopter = subprocess.run(
        [
            sys.executable,
            "-c",
            f"from triage import embedded_redis; embedded_redis.start({str(folder)!r})",
        ],
        cwd=PROJECT_ROOT,
        timeout=60,
    )
    assert adopter.returncode == 0
    _wait_for(lambda: not _redis_servers_on(sock), 15, "the adopted redis-server to stop")
