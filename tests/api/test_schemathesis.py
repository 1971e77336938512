"""Schemathesis against the app's own OpenAPI document, through the WSGI app (no network),
with every check (no server error, status code, content type, response headers and schema
conformance, schema-valid data accepted, schema-invalid data refused, ignored auth, use
after free, resource availability, unsupported methods...): it must find nothing.

Generated schema-valid referrals are first made consistent with the rules JSON Schema
cannot state and the document describes in words (they depend on the day, on another
field's date or on stored data, see `triage/api/input_schema.py`): nothing received in the
future, a date of birth before the day received with the victim 16 or over, a checklist
done by that day, a police reference not already stored, a perpetrator who is not the
victim, a last MARAC referral before "received". Schema-invalid data is sent as generated.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.generation.modes import GenerationMode

from tests.api.conftest import api_user  # noqa: F401  (a fixture, used by name)
from triage.services.people import match_key

EXAMPLES = 30
LONDON = ZoneInfo("Europe/London")
ADULT_BORN = "1980-01-01"


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _consistent_referral(body: dict, now: datetime) -> None:
    received = _moment(body.get("received_at")) if body.get("received_at") else None
    if received is not None and (received > now or received.year < 1997):
        received = now - timedelta(hours=1)
        body["received_at"] = received.isoformat(timespec="seconds")
    day = (received or now).astimezone(LONDON).date()
    for role in ("victim", "perpetrator"):
        person = body.get(role)
        born = _day(person.get("date_of_birth")) if isinstance(person, dict) else None
        if born is not None and (born > day or born > day.replace(year=day.year - 16)):
            person["date_of_birth"] = ADULT_BORN
    completed = _day(body.get("dash_completed_on"))
    if completed is not None and completed > day:
        body["dash_completed_on"] = day.isoformat()
    if isinstance(body.get("police_reference"), str) and body["police_reference"].strip():
        body["police_reference"] = f"ST-{uuid.uuid4().hex[:12]}"
    victim, perpetrator = body.get("victim"), body.get("perpetrator")
    if isinstance(perpetrator, dict) and isinstance(victim, dict):
        names = ("first_name", "last_name")
        if match_key(*(victim[n] for n in names)) == match_key(*(perpetrator[n] for n in names)):
            perpetrator["first_name"] = f"Other {perpetrator['first_name']}"[:100]


def _consistent_facts(body: dict) -> None:
    received, last = _moment(body.get("received_at")), body.get("last_marac_referral_at")
    if received is not None and last is not None and (_moment(last) or received) > received:
        body["last_marac_referral_at"] = body["received_at"]


def _consistent_report_query(query: dict, now: datetime) -> None:
    first, last = _day(query.get("from")), _day(query.get("to"))
    if first is not None and last is not None and not 0 <= (last - first).days < 3 * 365:
        query["to"] = query["from"]
    as_of = _moment(query.get("as_of")) if query.get("as_of") else None
    if as_of is not None and (as_of.replace(tzinfo=as_of.tzinfo or LONDON) > now):
        query["as_of"] = (now - timedelta(days=1)).isoformat(timespec="seconds")


def _consistent_contact(body: dict, now: datetime) -> None:
    """A contact is made after the referral arrived and not in the future; a late offer says
    why (the referral's due time is not in the request, so every offer gives a reason)."""
    body["made_at"] = datetime.now(UTC).isoformat(timespec="microseconds")
    if body.get("outcome") in ("accepted", "declined") and not body.get("lateness_reason"):
        body["lateness_reason"] = "not_contactable"
    if body.get("lateness_reason") == "other" and not body.get("lateness_detail"):
        body["lateness_detail"] = "Phone switched off"


def _consistent_list_query(query: dict, now: datetime) -> None:
    """The morning list is for today or a working day ahead (at most 14 days)."""
    if "day" in query:
        query["day"] = now.astimezone(LONDON).date().isoformat()


def consistent(case):
    """A generated schema-valid case, made to keep the rules the schema states in words."""
    if case.method.upper() == "GET" and case.path == "/screening" and case.query:
        _consistent_list_query(case.query, datetime.now(UTC))
    if case.method.upper() == "GET" and case.path.startswith("/reports/") and case.query:
        _consistent_report_query(case.query, datetime.now(UTC))
    if isinstance(case.body, dict) and case.method.upper() == "POST":
        if case.path == "/referrals":
            _consistent_referral(case.body, datetime.now(UTC))
        elif case.path == "/assess":
            _consistent_facts(case.body)
        elif case.path.endswith("/contacts"):
            _consistent_contact(case.body, datetime.now(UTC))
    return case


def test_the_api_keeps_its_document(app, api_user):  # noqa: F811
    headers = api_user("idva").headers
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    load_all_checks()
    every_check = CHECKS.get_all()
    assert len(every_check) >= 14, [c.__name__ for c in every_check]
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE:
                strategy = strategy.map(consistent)

            @given(case=strategy)
            @settings(
                max_examples=EXAMPLES,
                # CI replays the same examples every run (a failure there is a regression, not
                # luck); a developer's run explores new ones each time.
                derandomize=os.environ.get("CI") == "true",
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                case.call_and_validate(headers=headers, checks=every_check)

            try:
                run()
            except Exception as exc:  # every operation's failure is reported, not just the first
                failures.append(f"{operation.label} ({mode}): {str(exc)[:3000]}")
    assert not failures, "\n\n".join(failures)
