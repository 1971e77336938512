"""Inputs that used to reach a 500: ids past the integer range, NUL bytes, lone surrogates,
deeply nested JSON, bodies far over their limit (issue 12, finding 4)."""

from __future__ import annotations

import json
import re

import pytest

from tests.api.conftest import api_user, referral_payload  # noqa: F401 - fixture
from triage.web.limits import DEFAULT_BODY_LIMIT, json_depth_exceeds, unstorable_strings

TOO_BIG_ID = 2**31


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 32 + b"]" * 32, False),
        (b"[" * 33 + b"]" * 33, True),
        (b'{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', False),  # brackets in a string
        (b'{"a": "\\"[[["}', False),  # an escaped quote does not end the string
        (b'{"a": {"b": [1, 2, {"c": []}]}}', False),
    ],
)
def test_json_depth_is_measured_without_parsing(raw, expected):
    assert json_depth_exceeds(raw) is expected


def test_unstorable_strings_are_named_by_path():
    value = {"victim": {"first_name": "a\x00b"}, "dash_details": {"1": "\ud800"}, "ok": ["x"]}
    assert list(unstorable_strings(value)) == ["victim.first_name", "dash_details.1"]


def test_an_id_past_the_integer_range_is_not_found(app, client, login_as, api_user):  # noqa: F811
    login_as("screener")
    assert client.get(f"/referrals/{TOO_BIG_ID}").status_code == 404
    user = api_user("referrer")
    response = client.get(f"/api/v1/referrals/{TOO_BIG_ID}", headers=user.headers)
    assert response.status_code == 404


def test_deeply_nested_json_is_refused_before_parsing(client, api_user):  # noqa: F811
    user = api_user("referrer")
    body = "[" * 900 + "]" * 900
    response = client.post(
        "/api/v1/referrals",
        data=body,
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "body"


@pytest.mark.parametrize("text", ["Jor\x00dan", "Jor\ud800dan"])
def test_nul_and_lone_surrogates_in_json_are_field_errors(client, api_user, text):  # noqa: F811
    user = api_user("referrer")
    payload = referral_payload()
    payload["victim"]["first_name"] = text
    body = json.dumps(payload)  # ensure_ascii: the surrogate travels as \ud800
    response = client.post(
        "/api/v1/referrals",
        data=body,
        headers={**user.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {
            "field": "victim.first_name",
            "message": "must not contain NUL or unpaired surrogate characters",
        }
    ]


def _sign_in_csrf(client) -> str:
    page = client.get("/sign-in")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    assert match, "no CSRF token on the sign-in page"
    return match.group(1)


@pytest.mark.parametrize("field", ["email", "password"])
def test_a_nul_in_the_sign_in_form_is_a_bad_request_not_a_crash(client, field):
    data = {"email": "someone@example.org", "password": "x" * 12, "csrf_token": ""}
    data["csrf_token"] = _sign_in_csrf(client)
    data[field] = "a\x00" + data[field]
    response = client.post("/sign-in", data=data)
    assert response.status_code == 400


def test_a_body_over_its_limit_is_refused_before_it_is_read(client):
    huge = b"email=" + b"a" * (DEFAULT_BODY_LIMIT + 1)
    response = client.post("/sign-in", data=huge, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_the_csv_import_keeps_its_own_larger_limit(client, login_as):
    login_as("screener")
    body = b"x" * (DEFAULT_BODY_LIMIT * 2)
    response = client.post("/imports", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code != 413


def test_a_405_says_which_methods_the_url_allows(client, api_user):  # noqa: F811
    page = client.delete("/sign-in")
    assert page.status_code == 405
    assert set(page.headers["Allow"].split(", ")) >= {"GET", "POST"}
    user = api_user("referrer")
    api = client.put("/api/v1/referrals", headers=user.headers)
    assert api.status_code == 405
    assert "POST" in api.headers["Allow"]


def test_a_nul_in_an_api_query_is_a_field_error(client, api_user):  # noqa: F811
    user = api_user("manager")
    response = client.get(
        "/api/v1/reports/timeliness?from=2026-01-01&to=2026-01-31&as_of=x%00y",
        headers=user.headers,
    )
    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "as_of", "message": "must not contain NUL characters"}
    ]
