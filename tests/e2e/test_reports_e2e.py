"""A manager opens each report in a real browser: the pages, charts and tables pass axe.

One sign-in for the whole walk (each sign-in spends a one-time code of the demo account)."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as

PAGES = [
    ("/reports/timeliness?preset=this_financial_year", "S2S timeliness"),
    ("/reports/marac?preset=last_quarter", "MARAC performance"),
    ("/reports/safelives", "SafeLives quarterly MARAC return"),
]


def test_a_manager_walks_the_reports_and_every_page_is_accessible(page, flask_cli):
    sign_in_as(page, "manager", flask_cli)
    page.get_by_role("link", name="Reports", exact=True).first.click()
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    assert_accessible(page, "reports-index")
    page.get_by_role("link", name="S2S timeliness").click()
    page.get_by_label("Period").select_option("custom")
    page.get_by_label("From (custom range)").fill("2026-01-01")
    page.get_by_label("To (custom range)").fill("2026-03-31")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("img", name="Offers on time by ISO week (%)")).to_be_visible()
    expect(page.get_by_role("table", name="Why late offers were late")).to_be_visible()
    assert_accessible(page, "report-timeliness-custom")
    for path, heading in PAGES:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        assert_accessible(page, "report-" + path.split("?")[0].rsplit("/", 1)[1])
