"""A screener opens a referral from the morning list, decides the route and owner, and sees
the decision and the case record timeline on the case page (axe on every page)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as


def test_screener_decides_route_and_owner_and_sees_it_on_the_case_page(page, flask_cli):
    sign_in_as(page, "screener", flask_cli)
    page.goto("/screening/")
    page.locator("table a.govuk-link[href^='/referrals/']").first.click()
    page.wait_for_url(re.compile(r"/referrals/\d+$"))
    case_url = page.url
    expect(page.get_by_role("heading", name="Screening decision")).to_be_visible()
    expect(page.get_by_role("heading", name="Case record")).to_be_visible()
    assert_accessible(page, "referral-before-decision")

    page.get_by_role("button", name="Record a screening decision").click()
    expect(page.get_by_role("heading", name="Screening decision", level=1)).to_be_visible()
    assert_accessible(page, "screening-decision-form")

    # Save with no route: the error summary names the field, and links to it.
    page.get_by_role("button", name="Save decision").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Route: select what happens next")
    assert_accessible(page, "screening-decision-errors")

    page.get_by_label("IDVA allocation").check()
    page.get_by_label("Owner: the named worker who holds the case").select_option(
        label="Isla Idva (demo) (IDVA)"
    )
    page.get_by_label("Police").check()
    page.get_by_label("Notes (optional)").fill("Allocated at the morning meeting")
    page.get_by_role("button", name="Save decision").click()

    page.wait_for_url(case_url)
    expect(page.locator(".govuk-notification-banner, .govuk-panel").first).to_be_visible()
    decision = page.locator(".app-decision").first
    expect(decision).to_contain_text("IDVA allocation")
    expect(decision).to_contain_text("Isla Idva (demo)")
    expect(decision).to_contain_text("Police")
    timeline = page.locator(".app-timeline")
    expect(timeline).to_contain_text("Screening decision v1: IDVA allocation")
    expect(timeline).to_contain_text("This referral received")
    expect(page.get_by_role("heading", name="Safe contact")).to_be_visible()
    expect(page.get_by_role("button", name="Revise the decision")).to_be_visible()
    assert_accessible(page, "referral-after-decision")
