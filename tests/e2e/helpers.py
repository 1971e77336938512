"""Things a person does in the browser, shared by the end-to-end tests."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe

from triage.services.demo import DEMO_DOMAIN, demo_password

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def sign_in_as(page, local_part: str, flask_cli=None) -> None:
    """Sign in as a demo user through the real form (and the MFA step, when there is one)."""
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(f"{local_part}@{DEMO_DOMAIN}")
    page.get_by_label("Password", exact=True).fill(demo_password(local_part))
    page.get_by_role("button", name="Sign in").click()
    if flask_cli is not None and page.get_by_label("Code").count():
        code = flask_cli("triage", "demo-code", f"{local_part}@{DEMO_DOMAIN}").strip().split()[-1]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()


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
