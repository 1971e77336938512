"""The report settings as configured (the blueprint's one read of the app's configuration).

Optional config keys, with their defaults in `ReportSettings`: REPORT_SUPPRESS_BELOW (5),
REPORT_WOMEN_POPULATION (82000 women aged 16+), REPORT_EXPECTED_PER_10K (40, SafeLives),
REPORT_NATIONAL_REPEAT_RATE_PCT (31.0, year to September 2024), REPORT_EXPORT_TTL (seconds a
prepared file is kept, 3600), REPORT_EXPORT_DIR (instance/report_exports),
REPORT_DIRECT_EXPORT_MAX_DAYS (longer ranges are prepared by a worker, 92)."""

from __future__ import annotations

import os

from flask import current_app

from triage.services.calendar import current_calendar
from triage.services.reports.definitions import ReportSettings
from triage.settings import Settings

DEFAULTS = ReportSettings()


def report_settings() -> ReportSettings:
    config = current_app.config
    return ReportSettings(
        calendar=current_calendar(Settings.from_config(config, current_app.instance_path).calendar),
        suppress_below=int(config.get("REPORT_SUPPRESS_BELOW", DEFAULTS.suppress_below)),
        women_population=int(config.get("REPORT_WOMEN_POPULATION", DEFAULTS.women_population)),
        expected_per_10k=float(config.get("REPORT_EXPECTED_PER_10K", DEFAULTS.expected_per_10k)),
        national_repeat_rate_pct=float(
            config.get("REPORT_NATIONAL_REPEAT_RATE_PCT", DEFAULTS.national_repeat_rate_pct)
        ),
    )


def export_dir() -> str:
    return str(
        current_app.config.get("REPORT_EXPORT_DIR")
        or os.path.join(current_app.instance_path, "report_exports")
    )


def export_ttl() -> int:
    return int(current_app.config.get("REPORT_EXPORT_TTL", 3600))


def direct_export_max_days() -> int:
    return int(current_app.config.get("REPORT_DIRECT_EXPORT_MAX_DAYS", 92))
