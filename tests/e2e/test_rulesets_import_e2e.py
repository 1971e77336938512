"""In a real browser, with axe-core: the screener's import report, the administrator's
rule-set page (with the problems of a bad rule set) and the manager's replay result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible
from tests.e2e.helpers import sign_in_as as _sign_in
from triage.rules import default_ruleset
from triage.services.demo import DEMO_DOMAIN


def sign_in_as(page, local_part: str, flask_cli) -> None:
    """The shared helper, then the code step once the page after "Sign in" has loaded (the
    helper looks for the code field before the navigation has finished)."""
    _sign_in(page, local_part, flask_cli)
    page.wait_for_url(lambda url: urlsplit(url).path != "/sign-in")
    if "/sign-in/code" in page.url:
        code = flask_cli("triage", "demo-code", f"{local_part}@{DEMO_DOMAIN}").strip().split()[-1]
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_screener_imports_a_csv_and_reads_the_report(page, flask_cli, tmp_path):
    received = (datetime.now(UTC) - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    header = (
        "police_reference,received_at,referrer_name,victim_first_name,victim_last_name,"
        "consent_basis,dash_1,dash_2,dash_completed_by,dash_completed_on"
    )
    day = received[:10]
    rows = [
        f"E2E-IMPORT-1,{received},PC Browser,Edna,Csvtest,consent,Y,N,PC Browser,{day}",
        f"E2E-IMPORT-2,{received},PC Browser,,Csvtest,,Y,maybe,PC Browser,{day}",
    ]
    path = tmp_path / "notifications.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")

    sign_in_as(page, "screener", flask_cli)
    page.get_by_role("link", name="Import").first.click()
    expect(page.get_by_role("heading", name="Import police notifications")).to_be_visible()
    assert_accessible(page, "import-upload")
    page.get_by_label("CSV file of police notifications").set_input_files(str(path))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="Rejected rows")).to_be_visible()
    expect(page.locator("#count-accepted")).to_have_text("1")
    expect(page.locator("#rejected")).to_contain_text("dash_2")
    assert "Csvtest" not in page.url
    assert_accessible(page, "import-report")


def test_admin_sees_every_problem_of_a_bad_rule_set(page, flask_cli):
    sign_in_as(page, "admin", flask_cli)
    page.goto("/admin/rule-sets")
    expect(page.get_by_text("affects new referrals only")).to_be_visible()
    assert_accessible(page, "rulesets")
    bad = default_ruleset().source.replace("threshold: 3", "threshold: 0")
    bad = bad.replace(f'"{default_ruleset().version}"', '"2099.1-e2e"')
    page.get_by_label("Rule set (YAML)").fill(bad)
    page.get_by_role("button", name="Check and save rule set").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page.locator("#ruleset-problems")).to_contain_text("threshold")
    assert_accessible(page, "rulesets-error")


def test_manager_replays_under_a_pasted_rule_set(page, flask_cli):
    sign_in_as(page, "manager", flask_cli)
    page.goto("/rule-sets/replay")
    assert_accessible(page, "replay-form")
    page.get_by_label("Rules pasted below").check()
    text = default_ruleset().source.replace("threshold: 3", "threshold: 1")
    text = text.replace(f'"{default_ruleset().version}"', '"2099.2-e2e"')
    page.get_by_label("Rule set (YAML)").fill(text)
    today = datetime.now(UTC)
    start = today - timedelta(days=120)
    for legend, moment in (("Received from", start), ("Received to (inclusive)", today)):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Day").fill(str(moment.day))
        group.get_by_label("Month").fill(str(moment.month))
        group.get_by_label("Year").fill(str(moment.year))
    page.get_by_role("button", name="Replay").click()
    expect(page.get_by_role("heading", name="Result under 2099.2-e2e")).to_be_visible()
    assert_accessible(page, "replay-result")
