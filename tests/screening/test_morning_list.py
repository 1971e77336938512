"""The morning list's contents, order, states, filters and counts on a fixed dataset and a
frozen clock (the Friday-before-a-bank-holiday case and an attempted-but-not-reached case)."""

from __future__ import annotations

import pytest

from tests.factories import make_user
from tests.screening.list_support import DUE_TEXT, NOW, ORDER, london, seed
from triage.services import screening_list
from triage.services.screening_list import Filters, due_text, morning_list
from triage.workdays import default_calendar


def _keys(found, data) -> list[str]:
    by_id = {v: k for k, v in data.ids.items()}
    return [by_id[row.referral.id] for row in found.rows]


def test_the_list_at_a_frozen_now(app_ctx):
    data = seed()
    screener = make_user(roles=["screener"])
    found = morning_list(screener, Filters(), now=NOW, calendar=default_calendar())
    assert _keys(found, data) == ORDER
    rows = {k: row for k, row in zip(_keys(found, data), found.rows, strict=True)}
    assert {k: row.due_text for k, row in rows.items()} == DUE_TEXT
    assert {k: row.state for k, row in rows.items()} == {
        "wednesday": "overdue",
        "thursday": "overdue",
        "friday": "today",
        "attempted": "today",
        "today": "later",
    }
    # Received 16:59 on the Friday before the bank holiday: due the Tuesday after, 17:00.
    assert rows["friday"].referral.offer_due_at == london(2026, 5, 26, 17, 0)
    assert rows["friday"].owner_name == "Sam Owner" and rows["friday"].referral.mcic
    assert rows["attempted"].attempts == 1 and rows["attempted"].contact == "attempted"
    assert all(rows[k].attempts == 0 for k in ORDER if k != "attempted")
    assert found.counts == {
        "overdue": 2,
        "today": 2,
        "later": 1,
        "attempted": 1,
        "not_contacted": 4,
    }


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("overdue", ["wednesday", "thursday"]),
        ("today", ["friday", "attempted"]),
        ("attempted", ["attempted"]),
        ("not_contacted", ["wednesday", "thursday", "friday", "today"]),
    ],
)
def test_status_filters(app_ctx, status, expected):
    data = seed()
    screener = make_user(roles=["screener"])
    found = morning_list(screener, Filters(status=status), now=NOW, calendar=default_calendar())
    assert _keys(found, data) == expected
    assert found.counts["overdue"] == 2  # the counts ignore the status filter


def test_owner_filter_and_its_counts(app_ctx):
    data = seed()
    screener = make_user(roles=["screener"])
    mine = morning_list(
        screener, Filters(owner=str(data.owner_id)), now=NOW, calendar=default_calendar()
    )
    assert _keys(mine, data) == ["friday"]
    assert mine.counts["today"] == 1 and mine.counts["overdue"] == 0
    nobody = morning_list(screener, Filters(owner="none"), now=NOW, calendar=default_calendar())
    assert _keys(nobody, data) == [k for k in ORDER if k != "friday"]


def test_unknown_filter_codes_are_ignored_and_reported(app_ctx):
    data = seed()
    owners = screening_list.owner_choices()
    assert (str(data.owner_id), "Sam Owner") in owners
    filters, problems = screening_list.parse_filters(
        {"status": "lost", "owner": "99999", "risk": "huge"}, owners
    )
    assert filters == Filters()
    assert problems == [
        "Unknown status filter ignored",
        "Unknown owner ignored",
        "Unknown risk level ignored",
    ]
    filters, problems = screening_list.parse_filters(
        {"status": "attempted", "owner": str(data.owner_id)}, owners
    )
    assert (filters.status, filters.owner, problems) == ("attempted", str(data.owner_id), [])
    assert filters.codes() == {"status": "attempted", "owner": str(data.owner_id)}


@pytest.mark.parametrize(
    ("due", "now", "text"),
    [
        (london(2026, 5, 26, 17, 0), london(2026, 5, 26, 17, 0), "due now"),
        (london(2026, 5, 26, 17, 0), london(2026, 5, 26, 16, 59), "due in 1 min"),
        (
            london(2026, 5, 26, 17, 0),
            london(2026, 5, 26, 17, 30),
            "overdue since close of business",
        ),
        (london(2026, 5, 22, 17, 0), london(2026, 5, 26, 17, 0), "overdue by 1 working day"),
        (london(2026, 5, 21, 17, 0), london(2026, 5, 26, 17, 0), "overdue by 2 working days"),
        # Saturday night to Tuesday's close: the bank holiday Monday does not count.
        (london(2026, 5, 26, 17, 0), london(2026, 5, 23, 22, 0), "due in 1 working day"),
    ],
)
def test_due_text_counts_working_time_only(due, now, text):
    assert due_text(due, now, default_calendar()) == text
