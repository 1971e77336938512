"""G8 in a real browser: an administrator creates an account (or sets a new password), the
person must choose their own password before anything else, and then sees and ends their
own sessions on the account page."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as

EMAIL = "new.idva@partner-agency.example"
FIRST = "given-by-the-administrator-7"
OWN = "plum-orchard-kettle-drum-81"


def _enrol(page) -> str:
    """The first sign-in's authenticator step, as a person with an app would do it."""
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("code.app-secret").inner_text().replace(" ", "")
    page.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="I have saved my codes, continue").click()
    return secret


def test_a_new_user_chooses_their_password_then_ends_their_other_sessions(
    page, browser, live_server, flask_cli
):
    sign_in_as(page, "admin", flask_cli)
    page.goto("/admin/users/new")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Full name").fill("Nia Newcomer")
    page.get_by_label("IDVA").check()
    page.get_by_label("First password").fill(FIRST)
    page.get_by_role("button", name="Create user").click()
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    expect(
        page.get_by_text("Set by an administrator: to be changed at next sign-in")
    ).to_be_visible()
    assert_accessible(page, "admin-user-set-password")
    page.screenshot(path="/tmp/wt-hardening-admin-user.png", full_page=True)
    page.get_by_role("button", name="Sign out", exact=True).click()

    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(FIRST)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/sign-in/set-up"))
    secret = _enrol(page)
    page.wait_for_url(re.compile(r"/account/password"))
    expect(page.get_by_text("An administrator set your password")).to_be_visible()
    page.goto("/")  # anything else sends the browser back here
    page.wait_for_url(re.compile(r"/account/password"))
    assert_accessible(page, "forced-password-change")
    page.screenshot(path="/tmp/wt-hardening-forced-change.png", full_page=True)
    page.get_by_label("Current password").fill(FIRST)
    page.get_by_label("New password", exact=True).fill(OWN)
    page.get_by_label("Confirm new password").fill(OWN)
    page.get_by_role("button", name="Change password").click()
    expect(page.get_by_text("Your password has been changed")).to_be_visible()

    # A second browser signs in too (the next 30-second code: codes are single use).
    other = browser.new_page(base_url=live_server["url"])
    other.goto("/sign-in")
    other.get_by_label("E-mail address").fill(EMAIL)
    other.get_by_label("Password", exact=True).fill(OWN)
    other.get_by_role("button", name="Sign in").click()
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # inside the accepted drift window
    other.get_by_label(re.compile("code", re.IGNORECASE)).first.fill(next_code)
    other.get_by_role("button", name="Continue").click()
    expect(other.get_by_role("button", name="Sign out", exact=True)).to_be_visible()

    page.goto("/account")
    expect(page.get_by_text("This session")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("^Sign out the session"))).to_have_count(1)
    assert_accessible(page, "account-sessions")
    page.screenshot(path="/tmp/wt-hardening-account.png", full_page=True)
    page.get_by_role("button", name="Sign out of every other session").click()
    expect(page.get_by_text("Signed out of 1 other session.")).to_be_visible()
    other.goto("/")
    expect(other.get_by_role("heading", name="Sign in")).to_be_visible()
    other.close()
