"""The factory and configuration: embedded default, production refusals, no import-time I/O."""

from __future__ import annotations

import subprocess
import sys

import pytest

from config import (
    ProductionConfig,
    config_class,
    database_url_for_sqlalchemy,
    transport_problems,
)
from triage.totp_keys import new_key


def test_production_refuses_to_start_without_its_own_secrets(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TOTP_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError) as excinfo:
        ProductionConfig.from_environment()
    message = str(excinfo.value)
    assert "SECRET_KEY" in message
    assert "TOTP_ENCRYPTION_KEY" in message
    assert "DATABASE_URL" in message
    assert "REDIS_URL" in message


def test_production_refuses_a_default_looking_secret(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "change-me")
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/triage")
    monkeypatch.setenv("REDIS_URL", "redis://cache:6379/0")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        ProductionConfig.from_environment()


def test_production_refuses_a_malformed_totp_key(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("DATABASE_URL", "postgres://db/triage?sslmode=verify-full")
    monkeypatch.setenv("REDIS_URL", "rediss://cache:6379/0")
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", "too-short")
    with pytest.raises(RuntimeError, match=r"TOTP_ENCRYPTION_KEY: a TOTP encryption key must be"):
        ProductionConfig.from_environment()


def test_production_accepts_real_settings(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", new_key())
    monkeypatch.setenv("DATABASE_URL", "postgres://db/triage?sslmode=verify-full")
    monkeypatch.setenv("REDIS_URL", "rediss://cache:6379/0")
    values = ProductionConfig.from_environment()
    assert values["DATABASE_URL"] == "postgres://db/triage?sslmode=verify-full"
    assert ProductionConfig.SESSION_COOKIE_SECURE is True
    assert ProductionConfig.SESSION_COOKIE_NAME.startswith("__Host-")
    assert ProductionConfig.SEED_DEMO_ALLOWED is False


@pytest.mark.parametrize(
    ("name", "url", "problem"),
    [
        ("DATABASE_URL", "postgresql://db.internal/triage", "DATABASE_URL must ask for TLS"),
        ("DATABASE_URL", "postgresql://db/triage?sslmode=prefer", "DATABASE_URL must ask for TLS"),
        ("REDIS_URL", "redis://cache:6379/0", "REDIS_URL must use TLS"),
        ("SMTP_URL", "smtp://mail.example:25", "SMTP_URL must use TLS"),
    ],
)
def test_production_refuses_plain_transport_off_the_machine(monkeypatch, name, url, problem):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", new_key())
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/triage?sslmode=require")
    monkeypatch.setenv("REDIS_URL", "rediss://cache:6379/0")
    monkeypatch.delenv("ALLOW_INSECURE_TRANSPORT", raising=False)
    monkeypatch.setenv(name, url)
    with pytest.raises(RuntimeError, match=problem):
        ProductionConfig.from_environment()
    monkeypatch.setenv("ALLOW_INSECURE_TRANSPORT", "1")  # the operators' explicit waiver
    assert ProductionConfig.from_environment()[name] == url


@pytest.mark.parametrize(
    "values",
    [
        {"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/triage"},
        {"DATABASE_URL": "postgresql:///triage?host=/var/run/postgresql"},
        {"REDIS_URL": "redis://localhost:6379/0"},
        {"SMTP_URL": "smtp://127.0.0.1:25"},
        {"SMTP_URL": "smtp+starttls://mail.example:587", "REDIS_URL": "rediss://c:6380/0"},
    ],
)
def test_plain_transport_on_this_machine_is_accepted(values):
    assert transport_problems(values) == []


def test_postgres_urls_use_psycopg3():
    assert database_url_for_sqlalchemy("postgres://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url_for_sqlalchemy("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert database_url_for_sqlalchemy("sqlite:///x.db") == "sqlite:///x.db"


def test_unknown_environment_name_is_an_error():
    with pytest.raises(RuntimeError, match="TRIAGE_ENV"):
        config_class("staging")


def test_importing_the_package_does_no_io():
    """Importing triage (and its models and workers) must not open a database or Redis."""
    code = (
        "import socket, sqlite3\n"
        "def refuse(*a, **k): raise AssertionError('I/O at import time')\n"
        "socket.socket.connect = refuse\n"
        "sqlite3.connect = refuse\n"
        "import triage, triage.models, triage.rules, triage.services.audit, workers.context\n"
        "print('ok')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_app_uses_the_configured_back_end(app):
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri.startswith(("sqlite:///", "postgresql+psycopg://"))
    assert app.config["REDIS_URL"]


def test_forwarded_for_is_ignored_unless_a_proxy_is_configured(app):
    from werkzeug.middleware.proxy_fix import ProxyFix

    assert not isinstance(app.wsgi_app, ProxyFix)  # a client cannot choose its own address
    env = {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    with app.test_request_context("/", environ_base=env):
        from flask import request

        assert request.remote_addr == "10.0.0.9"


def test_proxy_count_trusts_exactly_that_many_proxies(tmp_path):
    from werkzeug.middleware.proxy_fix import ProxyFix

    from config import TestConfig
    from triage import create_app

    proxied = create_app(
        TestConfig,
        DATABASE_URL=f"sqlite:///{tmp_path}/p.db",
        EMBEDDED_REDIS_DIR=str(tmp_path / "redis"),
        PROXY_COUNT=1,
    )
    assert isinstance(proxied.wsgi_app, ProxyFix)
    seen = {}

    def capture(environ, start_response):
        seen["addr"] = environ["REMOTE_ADDR"]
        start_response("204 No Content", [])
        return [b""]

    proxied.wsgi_app.app = capture
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "SERVER_NAME": "x",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "REMOTE_ADDR": "10.0.0.9",
        "HTTP_X_FORWARDED_FOR": "198.51.100.1, 203.0.113.7",
    }
    proxied.wsgi_app(environ, lambda *a: None)
    assert seen["addr"] == "203.0.113.7"  # the client as the one trusted proxy saw it
