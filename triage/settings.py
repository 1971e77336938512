"""The settings services need, read from the app's configuration once per request or job.

Services take a `Settings` (or the one field they need) as an argument instead of reading
`current_app.config`, so they run the same in a request, a job, the CLI and a test. Built by
`Settings.from_config(app.config, app.instance_path)`: the request's copy comes from
`triage.web.settings.request_settings()`, a job's from `workers.context.job_settings()`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from triage.marac_rules import MaracSettings
from triage.totp_keys import TotpKeyring

# Checkpoints are signed with a key derived from SECRET_KEY (unless one is configured), so the
# session-signing key itself never signs them.
_CHECKPOINT_KEY_CONTEXT = b"triage audit checkpoint v1"


@dataclass(frozen=True)
class CalendarSettings:
    timezone: str = "Europe/London"
    close_of_business: str = "17:00"
    opening_time: str = "09:00"


@dataclass(frozen=True)
class Settings:
    calendar: CalendarSettings
    marac: MaracSettings
    offer_reminder_before: timedelta
    public_base_url: str
    referral_path: str  # with "{id}"
    retention_years: int
    smtp_url: str | None
    mail_from: str
    audit_checkpoint_path: Path
    audit_checkpoint_key: bytes
    rq_queues: tuple[str, ...]
    totp_keys: TotpKeyring
    # How far ahead of our clock a referral's "received at" may be (a sender's fast clock).
    received_clock_skew: timedelta = timedelta(minutes=5)

    @classmethod
    def from_config(cls, config: Mapping[str, Any], instance_path: str | Path) -> Settings:
        return cls(
            calendar=CalendarSettings(
                timezone=config["TIMEZONE"],
                close_of_business=config["CLOSE_OF_BUSINESS"],
                opening_time=config["OPENING_TIME"],
            ),
            marac=MaracSettings.from_config(config),
            offer_reminder_before=config["OFFER_REMINDER_BEFORE"],
            public_base_url=config["PUBLIC_BASE_URL"],
            referral_path=config["REFERRAL_PATH"],
            retention_years=int(config["RETENTION_YEARS_AFTER_CLOSURE"]),
            smtp_url=config.get("SMTP_URL") or None,
            mail_from=config["MAIL_FROM"],
            audit_checkpoint_path=_checkpoint_path(config, instance_path),
            audit_checkpoint_key=_checkpoint_key(config),
            rq_queues=tuple(config["RQ_QUEUES"]),
            received_clock_skew=config.get("RECEIVED_CLOCK_SKEW", timedelta(minutes=5)),
            totp_keys=TotpKeyring.from_config(config),
        )

    @property
    def smtp_configured(self) -> bool:
        return bool(self.smtp_url)

    def referral_link(self, referral_id: int) -> str:
        """The absolute address of a referral's page, for e-mails (sign-in required there)."""
        return self.public_base_url.rstrip("/") + self.referral_path.format(id=referral_id)


def _checkpoint_path(config: Mapping[str, Any], instance_path: str | Path) -> Path:
    configured = config.get("AUDIT_CHECKPOINT_PATH")
    if configured:
        return Path(configured)
    return Path(instance_path) / "audit-checkpoints.jsonl"


def _checkpoint_key(config: Mapping[str, Any]) -> bytes:
    explicit = config.get("AUDIT_CHECKPOINT_KEY")
    if explicit:
        return str(explicit).encode("utf-8")
    secret = str(config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(secret, _CHECKPOINT_KEY_CONTEXT, hashlib.sha256).digest()
