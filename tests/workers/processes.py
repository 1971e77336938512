"""Real processes for the drills: `python -m workers` and `python -m workers.cron` against
the test database, and a private redis-server a drill may stop and start."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from flask import Flask
from redis import Redis
from redis.exceptions import RedisError

from triage import PROJECT_ROOT
from triage.embedded_redis import redis_server_binary


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def start(app: Flask, module: str, redis_url: str) -> subprocess.Popen:
    """A worker or the cron process, in a session of its own: a drill can kill its whole
    process group (worker, scheduler, work horse) as systemd or a lost machine would."""
    env = dict(
        os.environ,
        TRIAGE_ENV="development",
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=redis_url,
        TRIAGE_INSTANCE_PATH=app.instance_path,
    )
    return subprocess.Popen(
        [sys.executable, "-m", module], cwd=PROJECT_ROOT, env=env, start_new_session=True
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class PrivateRedis:
    """A redis-server of the drill's own on a unix socket, with no persistence: stopping it
    loses every job, as a failed-over or restarted Redis without its data would."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket = folder / "drill-redis.sock"
        self.url = f"unix://{self.socket}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [
            redis_server_binary(),
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.folder),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        wait_for(self.answers, 10, "the drill's redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def answers(self) -> bool:
        client = Redis(unix_socket_path=str(self.socket), socket_timeout=1)
        try:
            return bool(client.ping())
        except (RedisError, OSError):
            return False
        finally:
            client.close()

    def client(self) -> Redis:
        return Redis(unix_socket_path=str(self.socket), socket_timeout=5)
