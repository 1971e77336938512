"""Filters and globals for templates: London-time display, navigation by capability."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, url_for
from flask_login import current_user

from triage.models.user import ROLE_LABELS
from triage.permissions.cases import can


def register(app: Flask) -> None:
    app.jinja_env.filters["london"] = london_datetime
    app.jinja_env.filters["london_date"] = london_date
    app.jinja_env.globals["navigation_items"] = navigation_items
    app.jinja_env.globals["role_labels"] = ROLE_LABELS
    app.jinja_env.globals["can"] = lambda capability, obj=None: can(current_user, capability, obj)


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def london_datetime(value: datetime | None) -> str:
    """'3 May 2026 at 17:00' in the service's time zone."""
    if value is None:
        return ""
    local = value.astimezone(_tz())
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def london_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(_tz()).date()
    return f"{value.day} {value:%B %Y}"


def navigation_items(active_endpoint: str | None = None) -> list[dict]:
    items = []
    # (label, endpoint, capability), collected from each blueprint's NAV by the factory.
    for label, endpoint, capability in current_app.extensions.get("triage_nav", []):
        if endpoint in current_app.view_functions and can(current_user, capability):
            items.append(
                {"text": label, "href": url_for(endpoint), "active": endpoint == active_endpoint}
            )
    return items
