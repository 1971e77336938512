"""A person signs in with a demo account in a real browser and sees their screens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as


def test_sign_in_page_is_accessible(page):
    page.goto("/sign-in")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page, "sign-in")


def test_wrong_password_shows_an_error_summary(page):
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill("screener@demo.triage.test")
    page.get_by_label("Password", exact=True).fill("not-the-right-password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter a correct e-mail address and password")
    assert page.get_by_label("E-mail address").input_value() == "screener@demo.triage.test"
    assert_accessible(page, "sign-in-error")


@pytest.mark.parametrize("who", ["screener", "idva", "manager", "admin"])
def test_demo_user_signs_in_and_sees_their_home(page, flask_cli, who):
    sign_in_as(page, who, flask_cli)
    expect(page.get_by_role("heading", name="Your cases and tasks")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(page, f"home-{who}")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
