"""End-to-end tests: the real app in its own process (embedded default, demo data), driven by
Debian's Chromium through Playwright, with axe-core for accessibility.

They run in the embedded pass of `make test`. Where Chromium is missing they are skipped on a
developer's machine, but fail in CI (CI=true), which installs it (.ci/run).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

from triage import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"CI needs {CHROMIUM} for the end-to-end tests (see .ci/run)")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is not installed (apt-get install chromium)")
    for item in items:
        if "tests/e2e" in str(item.fspath):
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _flask(env: dict, *args: str, input_text: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=PROJECT_ROOT,
        env=env,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result.stdout


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[dict]:
    """The app as `make run` starts it: migrated, seeded with demo data, on a free port."""
    instance = tmp_path_factory.mktemp("e2e-instance")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "TRIAGE_INSTANCE_PATH"}
    }
    # Every test signs in from 127.0.0.1: more than a person's per-IP sign-in limit allows.
    env.update(
        TRIAGE_ENV="development",
        TRIAGE_INSTANCE_PATH=str(instance),
        RATELIMIT_LOGIN="600 per minute",
    )
    _flask(env, "db", "upgrade")
    _flask(env, "triage", "seed-demo")
    port = _free_port()
    log_path = instance / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "run",
            "--port",
            str(port),
            "--no-reload",
            "--no-debugger",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urlopen(base_url + "/healthz", timeout=2):  # noqa: S310  (our own local server)
                break
        except (URLError, ConnectionError) as exc:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                log.close()
                raise RuntimeError(
                    "the app did not start: " + log_path.read_text()[-2000:]
                ) from exc
            time.sleep(0.3)
    yield {"url": base_url, "env": env}
    server.terminate()
    server.wait(timeout=15)
    log.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server["url"])
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def flask_cli(live_server):
    """Run a `flask --app wsgi ...` command against the live server's instance."""

    def run(*args: str, input_text: str | None = None) -> str:
        return _flask(live_server["env"], *args, input_text=input_text)

    return run
