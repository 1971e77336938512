"""The victim section's safe-contact and equality questions in a real browser, with axe:
a bad phone number is named in the error summary, its link focuses the field, and every
answer is kept."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as


def _group(page, name: str):
    return page.get_by_role("group", name=name)


def test_victim_section_safe_contact_and_equality(page, flask_cli):
    sign_in_as(page, "referrer", flask_cli)
    page.goto("/referrals/new/victim")
    expect(page.get_by_role("heading", name="How to contact the victim safely")).to_be_visible()
    expect(page.get_by_role("heading", name="Equality monitoring")).to_be_visible()
    assert_accessible(page, "intake-victim-fields")

    page.get_by_label("Victim's first name").fill("Rosa")
    page.get_by_label("Victim's last name").fill("Fields-Test")
    page.get_by_label("Safe phone number (optional)").fill("999")
    _group(page, "Is it safe to call? (optional)").get_by_label("Yes", exact=True).check()
    _group(page, "Is it safe to leave a message? (optional)").get_by_label("No", exact=True).check()
    _group(page, "Is it safe to write to the victim? (optional)").get_by_label("Don't know").check()
    page.get_by_label("Safe times to make contact (optional)").fill("Weekdays before 3pm")
    page.get_by_label("Ethnic group (optional)").select_option("white_roma")
    _group(page, "Sexual orientation (optional)").get_by_label("Prefer not to say").check()
    _group(page, "Does the victim consider themselves disabled? (optional)").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Save and continue").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    assert_accessible(page, "intake-victim-fields-error")
    summary.get_by_role("link", name="Enter a UK phone number, like 07700 900123").click()
    assert page.evaluate("document.activeElement.id") == "victim_phone"
    assert page.get_by_label("Safe phone number (optional)").input_value() == "999"
    assert page.get_by_label("Ethnic group (optional)").input_value() == "white_roma"
    expect(
        _group(page, "Sexual orientation (optional)").get_by_label("Prefer not to say")
    ).to_be_checked()

    page.get_by_label("Safe phone number (optional)").fill("07700 900123")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("group", name="Do you know who the perpetrator is?")).to_be_visible()
