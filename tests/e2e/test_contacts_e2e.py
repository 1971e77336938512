"""A screener runs the morning list in a real browser: records an attempt (the case stays,
"attempted x1"), then an offer (it leaves the list); the print view; the list at 390 px.
axe-core checks every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as
from tests.e2e.pdf_text import page_texts

LONDON = ZoneInfo("Europe/London")
TIMES = "\N{MULTIPLICATION SIGN}"


def _record(page, reference: str, outcome: str) -> None:
    row = page.locator(f'tr[data-reference="{reference}"]')
    row.get_by_role("link", name=re.compile("Record a contact")).click()
    expect(page.get_by_role("heading", name="Record a contact")).to_be_visible()
    now = datetime.now(UTC).astimezone(LONDON)
    when = page.get_by_role("group", name="Date of the contact")
    when.get_by_label("Day").fill(str(now.day))
    when.get_by_label("Month").fill(str(now.month))
    when.get_by_label("Year").fill(str(now.year))
    page.get_by_label("Time of the contact").fill(f"{now:%H:%M}")
    page.get_by_role("group", name="How did you try to contact the victim?").get_by_label(
        "Telephone"
    ).check()
    page.get_by_role("group", name="What happened?").get_by_label(outcome).check()
    # A reason is only kept for an offer after the due time; the demo case may be overdue.
    page.get_by_label("Victim not contactable after several attempts").check()
    page.get_by_role("button", name="Record contact").click()


def test_an_attempt_keeps_the_case_on_the_list_and_an_offer_takes_it_off(page, flask_cli):
    sign_in_as(page, "screener", flask_cli)
    page.get_by_role("link", name="S2S list").click()
    expect(page.get_by_role("heading", name="S2S morning list")).to_be_visible()
    assert_accessible(page, "screening-list")
    page.get_by_label("Status").select_option("not_contacted")
    page.get_by_role("button", name="Apply filters").click()
    assert "status=not_contacted" in page.url  # bookmarkable
    reference = page.locator("tbody tr[data-reference]").last.get_attribute("data-reference")
    assert reference

    page.goto("/screening/")
    page.locator(f'tr[data-reference="{reference}"]').get_by_role(
        "link", name=re.compile("Record a contact")
    ).click()
    assert_accessible(page, "contact-form")
    page.go_back()
    _record(page, reference, "Attempt: no contact made")
    flash = page.get_by_text(re.compile(f"Attempt recorded for {reference}"))
    expect(flash).to_contain_text(f"attempted {TIMES}1")
    expect(page.get_by_role("table", name="Contact attempts and offers")).to_contain_text(
        "Attempt: no contact made"
    )
    assert_accessible(page, "referral-after-attempt")

    page.goto("/screening/?status=attempted")
    row = page.locator(f'tr[data-reference="{reference}"]')
    expect(row).to_contain_text(f"Attempted {TIMES}1")

    page.goto("/screening/")
    _record(page, reference, "Offer made: accepted")
    expect(page.get_by_text(re.compile(f"Offer recorded for {reference}"))).to_be_visible()
    page.goto("/screening/")
    expect(page.locator(f'tr[data-reference="{reference}"]')).to_have_count(0)


def test_the_print_view_and_the_list_at_390_px(page, flask_cli):
    sign_in_as(page, "screener", flask_cli)
    page.goto("/screening/")
    page.get_by_role("link", name="Print view").click()
    expect(page.get_by_role("heading", name="S2S morning list")).to_be_visible()
    assert_accessible(page, "screening-print")
    expect(page.get_by_role("navigation")).to_have_count(0)
    page.emulate_media(media="print")
    markings = page.locator(".app-marking")
    expect(markings).to_have_count(4)  # page top and bottom, and the table's head and foot
    for i in range(4):
        expect(markings.nth(i)).to_have_text("OFFICIAL-SENSITIVE")
    # The table's head and foot carry the marking and repeat on every printed page.
    table = page.locator("table")
    assert table.locator("thead").evaluate("el => getComputedStyle(el).display") == (
        "table-header-group"
    )
    assert table.locator("tfoot").evaluate("el => getComputedStyle(el).display") == (
        "table-footer-group"
    )
    back = page.get_by_role("link", name="Back to the morning list")
    expect(back).to_be_hidden()
    # Printed: every page starts and ends with the marking; no navigation, no link targets.
    pages = page_texts(page.pdf(format="A4"))
    assert len(pages) >= 2, "the demo list should run over more than one page"
    for number, text in enumerate(pages, start=1):
        assert text.startswith("OFFICIAL-SENSITIVE"), f"page {number}: {text[:60]}"
        assert text.endswith("OFFICIAL-SENSITIVE"), f"page {number}: {text[-60:]}"
        assert "Backtothe" not in text and "Signout" not in text and "/referrals" not in text
    links_after = page.evaluate(
        "[...document.querySelectorAll('a')].map(a => getComputedStyle(a, '::after').content)"
    )
    assert set(links_after) <= {"none", "normal"}, links_after
    page.emulate_media(media="screen")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/screening/")
    assert_accessible(page, "screening-list-390")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the list scrolls sideways at 390 px ({width} px wide)"
