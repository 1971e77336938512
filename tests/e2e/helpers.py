"""Things a person does in the browser, shared by the end-to-end tests."""

from __future__ import annotations

import re
import time
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from triage.services.demo import DEMO_DOMAIN, demo_password

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def sign_in_as(page, local_part: str, flask_cli) -> None:
    """Sign in as a demo user through the real form and the code step, as a person would
    with an authenticator app (the demo prints the current code on request)."""
    email = f"{local_part}@{DEMO_DOMAIN}"
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password", exact=True).fill(demo_password(local_part))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/sign-in/code"))
    for _attempt in range(4):
        try:
            code = flask_cli("triage", "demo-code", email).strip().split()[-1]
        except AssertionError as refused:
            # Other tests signed in as this demo user in the same 30 seconds and used up its
            # codes for now: wait for the next step, as a person with the app would.
            if "used up" not in str(refused):
                raise
            time.sleep(30 - time.time() % 30 + 0.5)
            continue
        page.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(code)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
        if "/sign-in/code" not in page.url:
            return
        # Codes are single use: another test may have used this 30-second code already.
        time.sleep(30 - time.time() % 30 + 0.5)
    raise AssertionError(f"could not complete the code step for {email}")


def assert_accessible(page, name: str) -> None:
    """axe-core (bundled, offline) finds no violations; a screenshot is kept for people."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert violations == [], f"{name}: accessibility violations:\n" + "\n".join(violations)
