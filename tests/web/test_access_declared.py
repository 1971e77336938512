"""Deny by default: every endpoint declares a capability or that it is public."""

from __future__ import annotations

from triage.permissions.capabilities import ALL_CAPABILITIES

# api.openapi_document: the API description holds shapes only, no data.
PUBLIC_ALLOWED = {"auth.sign_in", "ops.healthz", "ops.readyz", "static", "api.openapi_document"}


def test_every_endpoint_declares_its_access_rule(app):
    undeclared, unknown, public = [], [], set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access = getattr(view, "access_rule", None)
        if rule.endpoint == "static":
            continue
        if access is None:
            undeclared.append(rule.endpoint)
        elif access == "public":
            public.add(rule.endpoint)
        elif access not in ALL_CAPABILITIES:
            unknown.append((rule.endpoint, access))
    assert undeclared == [], f"endpoints without a capability check: {undeclared}"
    assert unknown == [], f"endpoints naming an unknown capability: {unknown}"
    assert public <= PUBLIC_ALLOWED, f"unexpected public endpoints: {public - PUBLIC_ALLOWED}"
