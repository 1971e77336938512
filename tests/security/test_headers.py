"""Browser and transport: the security headers on every response (pages, errors, static files,
the API), no third-party hosts, no inline script without the nonce, no personal data in a
URL (no GET form asks for it)."""

from __future__ import annotations

import re

import pytest

from tests.security.support import build_url, build_world, routes, url_variants
from triage.permissions.capabilities import ROLE_CAPABILITIES

ROLES = tuple(sorted(ROLE_CAPABILITIES))
REQUIRED_CSP = (
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
)
PERSONAL = {
    "name",
    "first_name",
    "last_name",
    "date_of_birth",
    "dob",
    "postcode",
    "address",
    "email",
    "phone",
    "police_reference",
    "person",
    "victim",
    "perpetrator",
}


def _check(response, where: str, signed_in: bool) -> list[str]:
    """`signed_in` is kept for the reader: every page but a static file is no-store."""
    problems = []
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    for directive in REQUIRED_CSP:
        if directive not in csp:
            problems.append(f"{where}: CSP lacks {directive}")
    for bad in ("unsafe-inline", "unsafe-eval", "http:", "https:", "*"):
        if bad in csp:
            problems.append(f"{where}: CSP allows {bad}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
    }
    for name, value in expected.items():
        if headers.get(name) != value:
            problems.append(f"{where}: {name} is {headers.get(name)!r}")
    if "static file" not in where and headers.get("Cache-Control") != "no-store":
        problems.append(f"{where}: Cache-Control is {headers.get('Cache-Control')!r}")
    if response.mimetype == "text/html":
        problems.extend(_check_page(response, where, csp))
    return problems


_SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
_URL_ATTR = re.compile(r'\b(?:src|href|action|formaction|poster)\s*=\s*"([^"]*)"', re.I)
_GET_FORM = re.compile(r'<form\b(?![^>]*method="post")[^>]*>(.*?)</form>', re.S | re.I)
_NAME = re.compile(r'\bname="([^"]+)"')


def _check_page(response, where: str, csp: str) -> list[str]:
    problems = []
    body = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", csp)
    for attrs in _SCRIPT.findall(body):
        if "src=" in attrs:
            continue
        if not nonce or f'nonce="{nonce.group(1)}"' not in attrs:
            problems.append(f"{where}: inline script without this response's nonce")
    for url in _URL_ATTR.findall(body):
        if re.match(r"^(https?:)?//", url.strip(), re.I):
            problems.append(f"{where}: third-party or absolute URL {url!r}")
    for form in _GET_FORM.findall(body):
        for name in _NAME.findall(form):
            if name.lower() in PERSONAL:
                problems.append(f"{where}: GET form sends {name!r} in the URL")
    return problems


def test_headers_on_every_route_signed_out(client):
    problems = []
    for route in routes(client.application):
        if route.method != "GET":
            continue
        url = build_url(route, {a: 1 if a.endswith("_id") else "x" for a in route.args})
        response = client.get(url)
        problems += _check(response, f"anonymous GET {url} -> {response.status_code}", False)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_headers_on_every_route_signed_in(app, client, login_as, role):
    world = build_world(app, role, login_as)
    problems = []
    for route in routes(app):
        if route.method != "GET":
            continue
        for variant, values in url_variants(route, world):
            url = build_url(route, values)
            headers = {"Authorization": f"Bearer {world.token}"} if route.is_api else {}
            response = client.get(url, headers=headers)
            where = f"{role} GET {url} [{variant}] -> {response.status_code}"
            problems += _check(response, where, not route.is_api)
    assert problems == [], "\n".join(problems)


def test_headers_on_errors_static_files_and_the_api(app, client, login_as):
    problems = []
    cases = [
        ("404", lambda: client.get("/no/such/page"), False),
        ("405", lambda: client.get("/sign-out"), False),
        ("CSRF 400", lambda: client.post("/sign-in", data={"email": "a@b.c"}), False),
        ("API 401", lambda: client.get("/api/v1/referrals/1"), False),
        ("API 404", lambda: client.get("/api/v1/nothing-here"), False),
    ]
    for name, call, signed_in in cases:
        response = call()
        problems += _check(response, f"{name} -> {response.status_code}", signed_in)
    with client.get("/static/js/app.mjs") as static:
        problems += _check(static, "static file", False)
    login_as("screener")
    for name, path in (("signed-in 404", "/no/such/page"), ("signed-in 403", "/admin/users")):
        response = client.get(path)
        problems += _check(response, f"{name} -> {response.status_code}", True)
    assert problems == [], "\n".join(problems)


def test_searches_that_take_identifiers_are_posts(app):
    """A search by reference or name travels in the body, never in the URL."""
    for rule in app.url_map.iter_rules():
        if "search" in rule.endpoint or "subject_access" in rule.endpoint:
            assert "POST" in rule.methods, rule.endpoint
