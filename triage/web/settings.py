"""The request's settings: built from the app's configuration once per request."""

from __future__ import annotations

from flask import current_app, g

from triage.settings import Settings


def request_settings() -> Settings:
    if "settings" not in g:
        g.settings = Settings.from_config(current_app.config, current_app.instance_path)
    return g.settings
