"""`flask --app wsgi triage dev`: the embedded default in one command.

Runs the web app, an RQ worker (with its scheduler) and the cron process (the sweeper) as
child processes, sharing this process's embedded Redis, and stops them all on Ctrl-C, SIGTERM
or SIGHUP; the embedded Redis stops when this process exits (triage/embedded_redis.py).
Development only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from flask import Flask

from triage.redis_conn import redis_url


def child_commands(host: str, port: int) -> dict[str, list[str]]:
    python = sys.executable
    return {
        "web": [
            python,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "run",
            "--host",
            host,
            "--port",
            str(port),
            "--no-reload",
            "--no-debugger",
        ],
        "worker": [python, "-m", "workers"],
        "cron": [python, "-m", "workers.cron"],  # the sweeper and other periodic jobs
    }


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt  # the same way out as Ctrl-C: stop the children, then exit


def run(app: Flask, host: str, port: int, announce) -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    env = dict(os.environ)
    env["REDIS_URL"] = redis_url(app)  # the children join the embedded Redis this process owns
    env.setdefault("TRIAGE_ENV", "development")
    children = {
        name: subprocess.Popen(cmd, env=env)  # noqa: S603  (our own interpreter and modules)
        for name, cmd in child_commands(host, port).items()
    }
    announce(f"Domestic abuse triage is running at http://{host}:{port}/  (Ctrl-C stops it)")
    try:
        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    announce(f"The {name} process stopped (exit {proc.returncode}); stopping.")
                    return proc.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        announce("Stopping...")
        return 0
    finally:
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in children.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
