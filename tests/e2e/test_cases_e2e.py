"""Closing a case, "My cases" and search in a real browser, with axe on every page
(issue 9 items 4 and 6)."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as

REFERENCE = re.compile(r"R\d{6}")


def _list_rows(page, *, marac: bool) -> list[str]:
    """References on the S2S list whose row has (or has not) the MARAC tag."""
    page.goto("/screening/")
    refs = []
    for row in page.locator("tbody tr").all():
        text = row.inner_text()
        found = REFERENCE.search(text)
        if found and ("MARAC" in text) == marac:
            refs.append(found.group(0))
    return refs


def _referral_id(reference: str) -> int:
    return int(reference[1:])


def test_a_screener_closes_a_case_after_confirming_it(page, flask_cli):
    sign_in_as(page, "screener", flask_cli)
    reference = _list_rows(page, marac=False)[0]
    page.goto(f"/referrals/{_referral_id(reference)}/close")
    expect(page.get_by_role("heading", name="Close the case")).to_be_visible()
    # No reason: the error names the field and links to it.
    page.get_by_role("button", name="Continue").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Reason for closing: select why the case is being closed")
    assert_accessible(page, "close-error")
    page.get_by_label("Referred to another service").check()
    page.get_by_label("Details").fill("Housing options team")
    assert_accessible(page, "close-form")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=f"You are closing {reference}")).to_be_visible()
    expect(page.get_by_text("leaves the S2S morning list")).to_be_visible()
    assert_accessible(page, "close-confirm")
    page.get_by_role("button", name=f"Yes, close {reference}").click()
    expect(page.get_by_role("heading", name="Closed case")).to_be_visible()
    expect(page.get_by_text("Referred to another service: Housing options team")).to_be_visible()
    assert_accessible(page, "close-done-referral-page")
    assert reference not in _list_rows(page, marac=False)


def _listed_references(page) -> list[str]:
    """References on the agendas of the coming meetings (the screener may read them)."""
    page.goto("/marac/")
    agendas = [
        link.get_attribute("href")
        for link in page.locator("a[href*='/marac/meetings/']").all()
        if re.search(r"/marac/meetings/\d+$", link.get_attribute("href") or "")
    ]
    refs: list[str] = []
    for href in agendas[:6]:
        page.goto(href)
        refs += REFERENCE.findall(page.locator("main").inner_text())
    return list(dict.fromkeys(refs))


def test_a_screener_is_told_why_a_marac_case_cannot_be_closed(page, flask_cli):
    sign_in_as(page, "screener", flask_cli)
    for reference in _listed_references(page):
        page.goto(f"/referrals/{_referral_id(reference)}/close")
        if page.get_by_text("cannot be closed yet").count():
            break
    else:
        raise AssertionError("no case open at MARAC in the demo data")
    expect(page.get_by_role("heading", name=re.compile("Open MARAC"))).to_be_visible()
    assert page.locator("main form[method=post]").count() == 0
    assert_accessible(page, "close-refused")


def test_the_idva_pages_through_my_cases(page, flask_cli):
    sign_in_as(page, "idva", flask_cli)
    page.get_by_role("link", name="My cases").click()
    expect(page.get_by_role("heading", name="My cases")).to_be_visible()
    rows = page.locator("table.app-my-cases tbody tr")
    assert 1 <= rows.count() <= 25
    expect(rows.first).to_contain_text(REFERENCE)
    assert_accessible(page, "my-cases")
    if page.locator(".govuk-pagination").count():
        page.get_by_role("link", name=re.compile("Next")).click()
        expect(page).to_have_url(re.compile(r"page=2"))
        assert_accessible(page, "my-cases-page-2")


def test_a_screener_searches_by_reference_and_by_name(page, flask_cli, live_server):
    sign_in_as(page, "screener", flask_cli)
    reference = _list_rows(page, marac=False)[-1]
    page.get_by_role("link", name="Search").click()
    expect(page.get_by_role("heading", name="Search for a case")).to_be_visible()
    assert_accessible(page, "search-empty")
    page.get_by_label("Referral reference").check()
    page.get_by_label("Search for").fill(reference)
    page.get_by_role("button", name="Search").click()
    exact = page.locator("table.app-search-exact")
    expect(exact).to_contain_text(reference)
    assert_accessible(page, "search-results")
    # The victim's name as that referral recorded it finds the same case by name.
    name = exact.locator("tbody tr").first.locator("td").first.inner_text().split(",")[0]
    page.get_by_label("Name").check()
    page.get_by_label("Search for").fill(name)
    page.get_by_role("button", name="Search").click()
    expect(page.locator("table.app-search-exact")).to_contain_text(reference)
    page.get_by_label("Date of birth").check()
    page.get_by_label("Search for").fill("not a date")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Date of birth: enter a date")
    assert_accessible(page, "search-error")
    # The server's access log saw the searches, but not what was searched for.
    log = (Path(live_server["env"]["TRIAGE_INSTANCE_PATH"]) / "server.log").read_text()
    lines = [line for line in log.splitlines() if "/cases/search" in line]
    assert any("POST /cases/search HTTP" in line for line in lines)
    assert all("?" not in line.split("/cases/search", 1)[1].split()[0] for line in lines)
    assert name.split()[-1] not in log and "not+a+date" not in log
