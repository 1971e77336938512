"""G6: the JSON API is limited per token and per user, exports per user; 429 with Retry-After."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import make_user
from tests.web.test_sign_in import csrf_token
from triage.extensions import db, limiter
from triage.services.tokens import create_token


@pytest.fixture
def limits(app, monkeypatch):
    """Set tight limits for one test, on a clean Redis bucket."""

    def _set(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setitem(app.config, name, value)
        with app.app_context():
            limiter.reset()

    yield _set
    with app.app_context():
        limiter.reset()


def _tokens(app, count: int, roles=("referrer",)) -> list[dict]:
    with app.app_context():
        user = make_user(roles=list(roles))
        tokens = [create_token(user, f"t{n}") for n in range(count)]
        db.session.commit()
    return [{"Authorization": f"Bearer {token}"} for token in tokens]


def _get(client, headers) -> SimpleNamespace:
    response = client.get("/api/v1/referrals/999999", headers=headers)
    return SimpleNamespace(status=response.status_code, response=response)


def test_the_api_is_limited_per_token_with_a_json_429_and_retry_after(app, client, limits):
    limits(RATELIMIT_API="3 per minute")
    first, second = _tokens(app, 2)
    assert [_get(client, first).status for _ in range(3)] == [404, 404, 404]
    refused = _get(client, first).response
    assert refused.status_code == 429
    assert refused.is_json and refused.get_json() == {"error": "Too many attempts", "status": 429}
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    # The same user's other token has its own budget.
    assert _get(client, second).status == 404


def test_the_api_is_limited_per_user_across_their_tokens(app, client, limits):
    limits(RATELIMIT_API="100 per minute", RATELIMIT_API_USER="4 per minute")
    first, second = _tokens(app, 2)
    (stranger,) = _tokens(app, 1)
    statuses = [_get(client, token).status for token in (first, second, first, second)]
    assert statuses == [404] * 4
    assert _get(client, second).status == 429
    assert _get(client, first).status == 429
    assert _get(client, stranger).status == 404  # another user is not held up


def test_writes_count_too(app, client, limits):
    limits(RATELIMIT_API="2 per minute")
    (token,) = _tokens(app, 1)
    assert client.post("/api/v1/assess", json={}, headers=token).status_code != 429
    assert _get(client, token).status == 404
    assert client.post("/api/v1/assess", json={}, headers=token).status_code == 429


def test_the_subject_access_export_is_limited_per_user(app, client, login_as, limits):
    limits(RATELIMIT_EXPORT="2 per hour")
    login_as("admin")
    token = csrf_token(client, "/admin/subject-access")
    for _ in range(2):
        response = client.post(
            "/admin/subject-access", data={"person_id": "999999", "csrf_token": token}
        )
        assert response.status_code == 400  # no such person: still an export attempt
    assert client.get("/admin/subject-access").status_code == 200  # the form costs nothing
    refused = client.post(
        "/admin/subject-access", data={"person_id": "999999", "csrf_token": token}
    )
    assert refused.status_code == 429
    assert "Too many attempts" in refused.text
    assert int(refused.headers["Retry-After"]) > 0
    # The budget is the user's, not the browser's: another administrator still downloads.
    login_as("admin")
    token = csrf_token(client, "/admin/subject-access")
    again = client.post("/admin/subject-access", data={"person_id": "999999", "csrf_token": token})
    assert again.status_code == 400
