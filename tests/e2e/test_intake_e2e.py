"""A referrer makes a referral through the long form in a real browser and reads the result."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as


def _continue(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def test_referrer_makes_a_referral_end_to_end(page, flask_cli):
    sign_in_as(page, "referrer", flask_cli)
    expect(page.get_by_role("heading", name="Your cases and tasks")).to_be_visible()
    page.get_by_role("link", name="New referral").click()
    expect(page.get_by_role("heading", name="New referral", exact=True)).to_be_visible()
    assert_accessible(page, "intake-task-list")

    page.get_by_role("link", name=re.compile("Referrer and consent")).click()
    page.get_by_label("Which agency is the referral from?").select_option("police")
    page.get_by_label("Name of the person making the referral").fill("PC Jo Bloggs")
    page.get_by_label("The victim consented to the referral").check()
    assert_accessible(page, "intake-referrer")
    _continue(page)

    # Victim: leave the first name out to see the error summary, then fix it.
    page.get_by_label("Victim's last name").fill("Browser-Test")
    page.get_by_label("Day").fill("12")
    page.get_by_label("Month").fill("4")
    page.get_by_label("Year").fill("1991")
    _continue(page)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert_accessible(page, "intake-victim-error")
    summary.get_by_role("link", name="Enter the victim's first name").click()
    assert page.evaluate("document.activeElement.id") == "victim_first_name"
    assert page.get_by_label("Victim's last name").input_value() == "Browser-Test"
    page.get_by_label("Victim's first name").fill("Edna")
    _continue(page)

    page.get_by_role("group", name="Do you know who the perpetrator is?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Perpetrator's first name").fill("Eddie")
    page.get_by_label("Perpetrator's last name").fill("Browser-Test")
    page.get_by_label("How many children live in the household?").fill("1")
    _continue(page)

    # The Dash: 15 yes, the rest no.
    for n in range(1, 25):
        group = page.get_by_role("group", name=re.compile(rf"^{n}\. "))
        group.get_by_label("Yes" if n <= 15 else "No", exact=True).check()
    page.get_by_label("Who completed the checklist?").fill("PC Jo Bloggs")
    dash_date = page.get_by_role("group", name="Date the checklist was completed")
    dash_date.get_by_label("Day").fill("1")
    dash_date.get_by_label("Month").fill("1")
    dash_date.get_by_label("Year").fill("2026")
    assert_accessible(page, "intake-dash")
    _continue(page)

    page.get_by_label(re.compile("How many times have the police been called out")).fill("3")
    page.get_by_role("group", name=re.compile("professional judgement")).get_by_label("No").check()
    page.get_by_label("Alcohol misuse").check()
    page.get_by_label("Mental health").check()
    _continue(page)

    expect(page.get_by_role("heading", name="Check your answers before sending")).to_be_visible()
    assert_accessible(page, "intake-check")
    page.get_by_role("button", name="Send referral").click()

    expect(page.get_by_role("heading", name=re.compile(r"^R\d{6}$"))).to_be_visible()
    text = page.locator("main").inner_text()
    assert "15 of 24" in text
    assert "Visible high risk: 15 of 24 Dash questions answered yes (threshold 14)." in text
    assert "Potential escalation: 3 police call-outs in the last 12 months (threshold 3)." in text
    assert "Multiple complex issues: victim needs alcohol misuse and mental health." in text
    assert_accessible(page, "referral-page")
