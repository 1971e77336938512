"""The MARAC coordinator opens an agenda, prints it for agencies (the print view), and after
the meeting records a case's outcome and an action, in a real browser with axe on each page."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import expect

from tests.e2e.helpers import ARTIFACTS, assert_accessible, sign_in_as

# Test set-up only: the first upcoming meeting with cases has "started" an hour ago, so the
# coordinator can record it as held in the browser (nothing in the app moves a meeting back).
_START_A_MEETING = """
from datetime import timedelta
from sqlalchemy import select
from triage.extensions import db
from triage.models import MaracListing, MaracMeeting
from triage.timeutil import utcnow
q = select(MaracMeeting).join(MaracListing, MaracListing.meeting_id == MaracMeeting.id)
q = q.where(MaracMeeting.status == "scheduled", MaracListing.status == "listed")
m = db.session.scalars(q.order_by(MaracMeeting.starts_at)).first()
m.starts_at = utcnow() - timedelta(hours=1)
db.session.commit()
print("MEETING", m.id)
"""


def _started_meeting(flask_cli) -> str:
    out = flask_cli("shell", input_text=_START_A_MEETING)
    meeting_id = re.search(r"MEETING (\d+)", out).group(1)
    return f"/marac/meetings/{meeting_id}"


def test_coordinator_prints_the_agenda_and_records_an_outcome_and_an_action(page, flask_cli):
    agenda = _started_meeting(flask_cli)
    sign_in_as(page, "coordinator", flask_cli)
    page.get_by_role("link", name="MARAC").click()
    page.locator(f"a[href='{agenda}']").click()
    expect(page.get_by_role("heading", name=re.compile("^Agenda for"))).to_be_visible()
    assert_accessible(page, "marac-agenda")

    page.get_by_role("link", name="Print view of the agenda for agencies").click()
    expect(page.get_by_role("heading", name=re.compile("^MARAC agenda for"))).to_be_visible()
    expect(page.locator(".app-print-marking--top")).to_have_text("OFFICIAL-SENSITIVE")
    assert_accessible(page, "marac-agenda-print")
    # As printed: the marking on every page, no menu, no account bar.
    page.emulate_media(media="print")
    expect(page.locator(".govuk-service-navigation")).to_be_hidden()
    expect(page.locator(".app-account-bar")).to_be_hidden()
    assert (
        page.locator(".app-print-marking--top").evaluate("e => getComputedStyle(e).position")
        == "fixed"
    )
    pdf = page.pdf(format="A4", landscape=True)
    (ARTIFACTS / "marac-agenda-print.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")

    page.goto(agenda)
    page.get_by_role("button", name="Record the meeting as held").click()
    expect(page.get_by_text(re.compile("Meeting recorded as held"))).to_be_visible()
    assert_accessible(page, "marac-agenda-held")
    page.get_by_role("link", name=re.compile("^Outcome and actions")).first.click()
    expect(page.get_by_role("heading", name="Outcome and actions")).to_be_visible()
    assert_accessible(page, "marac-case")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    assert_accessible(page, "marac-case-error")
    page.get_by_label("Heard: actions agreed").check()
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text(re.compile("Outcome recorded for R"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"Heard: actions agreed \(recorded"))).to_be_visible()

    page.get_by_role("link", name=re.compile("^Add an action")).click()
    page.get_by_label("Housing").check()
    page.get_by_label("Action", exact=True).fill("Fit a door alarm at the address")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("1")
    page.get_by_label("Year").fill("2020")
    page.get_by_role("button", name="Add action").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("The due date must be today or in the future")
    assert_accessible(page, "marac-action-past-due")
    page.get_by_label("Year").fill(str(date.today().year + 1))
    page.get_by_role("button", name="Add action").click()
    expect(page.get_by_role("heading", name="Outcome and actions")).to_be_visible()
    expect(page.get_by_role("cell", name="Fit a door alarm at the address")).to_be_visible()
    page.goto(agenda)
    expect(page.get_by_text("Fit a door alarm at the address")).to_be_visible()
