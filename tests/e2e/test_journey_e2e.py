"""Issue 9's whole journey in a real browser, through the pages only: an IDVA submits a
high-risk referral (it meets the MARAC criteria); a screener finds it on the morning list,
decides the route and owner, records an attempt (still on the list, "attempted x1") and then
an offer (off the list); the case page shows the decision, the attempt, the offer and the
MARAC listing; the MARAC coordinator opens the agenda's print view with the case on it.

The listing is made by the RQ worker, as in production (`make run` starts one): this file
starts one beside the live server. axe-core checks every page visited; screenshots go to
test-artifacts/journey-*.png."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import assert_accessible, sign_in_as
from triage import PROJECT_ROOT

LONDON = ZoneInfo("Europe/London")
TIMES = "\N{MULTIPLICATION SIGN}"


@pytest.fixture
def worker(live_server) -> Iterator[None]:
    """An RQ worker on the live server's embedded Redis and database."""
    process = subprocess.Popen(
        [sys.executable, "-m", "workers"],
        cwd=PROJECT_ROOT,
        env=live_server["env"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    yield
    process.terminate()
    process.wait(timeout=15)


@pytest.fixture
def new_page(browser, live_server):
    """A fresh browser (its own cookies) for each person in the journey."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server["url"])
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def _continue(page) -> None:
    page.get_by_role("button", name="Save and continue").click()


def _idva_refers(page, flask_cli) -> tuple[str, datetime]:
    """The IDVA's referral through the five sections; returns its reference and when."""
    sign_in_as(page, "idva", flask_cli)
    page.get_by_role("link", name="New referral").click()
    page.get_by_role("link", name=re.compile("Referrer and consent")).click()
    page.get_by_label("Which agency is the referral from?").select_option("police")
    page.get_by_label("Name of the person making the referral").fill("Isla Idva")
    page.get_by_label("The victim consented to the referral").check()
    _continue(page)
    page.get_by_label("Victim's first name").fill("Jody")
    page.get_by_label("Victim's last name").fill("Journey-Test")
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("9")
    page.get_by_label("Year").fill("1990")
    _continue(page)
    page.get_by_role("group", name="Do you know who the perpetrator is?").get_by_label(
        "Yes"
    ).check()
    page.get_by_label("Perpetrator's first name").fill("Jay")
    page.get_by_label("Perpetrator's last name").fill("Journey-Test")
    page.get_by_label("How many children live in the household?").fill("2")
    _continue(page)
    for n in range(1, 25):  # 16 yes: visible high risk
        group = page.get_by_role("group", name=re.compile(rf"^{n}\. "))
        group.get_by_label("Yes" if n <= 16 else "No", exact=True).check()
    page.get_by_label("Who completed the checklist?").fill("Isla Idva")
    today = datetime.now(UTC).astimezone(LONDON)
    dash_date = page.get_by_role("group", name="Date the checklist was completed")
    dash_date.get_by_label("Day").fill(str(today.day))
    dash_date.get_by_label("Month").fill(str(today.month))
    dash_date.get_by_label("Year").fill(str(today.year))
    _continue(page)
    page.get_by_label(re.compile("How many times have the police been called out")).fill("1")
    page.get_by_role("group", name=re.compile("professional judgement")).get_by_label("No").check()
    _continue(page)
    assert_accessible(page, "journey-1-check-answers")
    page.get_by_role("button", name="Send referral").click()
    sent = datetime.now(UTC)
    heading = page.get_by_role("heading", name=re.compile(r"^R\d{6}$"))
    expect(heading).to_be_visible()
    expect(page.locator("main")).to_contain_text("Visible high risk: 16 of 24")
    assert_accessible(page, "journey-2-referral-sent")
    return heading.inner_text().strip(), sent


def _after_the_minute_of(sent: datetime) -> None:
    """The contact form takes a time to the minute, and a contact "before" the referral's
    receipt (its minute, read as :00) is refused: wait for the next minute if need be."""
    wait = 61 - (datetime.now(UTC) - sent.replace(second=0, microsecond=0)).total_seconds()
    if wait > 0:
        time.sleep(wait)


def _record_contact(page, reference: str, outcome: str) -> None:
    page.goto("/screening/")
    page.locator(f'tr[data-reference="{reference}"]').get_by_role(
        "link", name=re.compile("Record a contact")
    ).click()
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
    assert_accessible(page, "journey-contact-" + outcome.split(":")[0].lower().replace(" ", "-"))
    page.get_by_role("button", name="Record contact").click()


def _screener_decides(page, flask_cli, reference: str) -> str:
    """From the morning list to a decision; returns the case page's URL."""
    sign_in_as(page, "screener", flask_cli)
    page.get_by_role("link", name="S2S list").click()
    row = page.locator(f'tr[data-reference="{reference}"]')
    expect(row).to_have_count(1)
    assert_accessible(page, "journey-3-morning-list")
    row.get_by_role("link", name=reference, exact=True).click()
    page.wait_for_url(re.compile(r"/referrals/\d+$"))
    case_url = page.url
    page.get_by_role("button", name="Record a screening decision").click()
    page.get_by_label("Refer to MARAC").check()
    page.get_by_label("Owner: the named worker who holds the case").select_option(
        label="Isla Idva (demo) (IDVA)"
    )
    page.get_by_label("Police").check()
    assert_accessible(page, "journey-4-decision-form")
    page.get_by_role("button", name="Save decision").click()
    page.wait_for_url(case_url)
    expect(page.locator(".app-decision").first).to_contain_text("Refer to MARAC")
    return case_url


def _wait_for_listing(page, case_url: str) -> None:
    """The worker lists the case moments after the referral was sent."""
    deadline = time.monotonic() + 60
    while True:
        page.goto(case_url)
        if page.locator(".app-timeline").get_by_text(re.compile("MARAC: listed")).count():
            return
        assert time.monotonic() < deadline, "the worker did not list the case at MARAC"
        time.sleep(1)


@pytest.mark.usefixtures("worker")
def test_referral_to_morning_list_to_offer_to_marac_agenda(new_page, flask_cli):
    reference, sent = _idva_refers(new_page(), flask_cli)

    screener = new_page()
    case_url = _screener_decides(screener, flask_cli, reference)
    _after_the_minute_of(sent)
    _record_contact(screener, reference, "Attempt: no contact made")
    expect(screener.get_by_text(re.compile(f"Attempt recorded for {reference}"))).to_contain_text(
        f"attempted {TIMES}1"
    )
    screener.goto("/screening/")
    row = screener.locator(f'tr[data-reference="{reference}"]')
    expect(row).to_contain_text(f"Attempted {TIMES}1")
    assert_accessible(screener, "journey-5-list-after-attempt")
    _record_contact(screener, reference, "Offer made: accepted")
    expect(screener.get_by_text(re.compile(f"Offer recorded for {reference}"))).to_be_visible()
    screener.goto("/screening/")
    expect(screener.locator(f'tr[data-reference="{reference}"]')).to_have_count(0)

    _wait_for_listing(screener, case_url)
    timeline = screener.locator(".app-timeline")
    for text in (
        "This referral received",
        "Assessed: High risk",
        "Screening decision v1: Refer to MARAC",
        "Contact attempt: No contact made",
        "Support offer: Accepted",
        "MARAC: listed for the meeting on",
    ):
        expect(timeline).to_contain_text(text)
    expect(screener.locator("main")).to_contain_text("Listed for the meeting on")
    assert_accessible(screener, "journey-6-case-page")

    coordinator = new_page()
    sign_in_as(coordinator, "coordinator", flask_cli)
    coordinator.goto(case_url)
    coordinator.locator(".app-timeline").get_by_role(
        "link", name=re.compile("MARAC: listed for the meeting on")
    ).click()
    expect(coordinator.get_by_role("heading", name=re.compile("^Agenda for"))).to_be_visible()
    expect(coordinator.get_by_role("rowheader", name=reference)).to_be_visible()
    assert_accessible(coordinator, "journey-7-agenda")
    coordinator.get_by_role("link", name="Print view of the agenda for agencies").click()
    expect(coordinator.get_by_role("heading", name=re.compile("^MARAC agenda for"))).to_be_visible()
    case_row = coordinator.locator("tr", has=coordinator.get_by_role("rowheader", name=reference))
    expect(case_row).to_contain_text("Jody Journey-Test")
    expect(case_row).to_contain_text("Jay Journey-Test")
    expect(case_row).to_contain_text("Visible high risk")
    assert_accessible(coordinator, "journey-8-agenda-print")
