"""triage: case routing for domestic-abuse referrals.

`create_app()` is a short list of register_* steps. Nothing in this package does I/O at
import time; the database, Redis and configuration are bound when the factory runs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

from config import BaseConfig, config_class, database_url_for_sqlalchemy
from triage.totp_keys import new_key

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(config: str | type[BaseConfig] | None = None, **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("TRIAGE_INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    register_config(app, config, overrides)
    register_limits(app)
    register_database(app)
    register_transactions(app)
    register_extensions(app)
    register_templates(app)
    register_security(app)
    register_auth(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    return app


def register_config(app: Flask, config, overrides: dict) -> None:
    cls = config if isinstance(config, type) else config_class(config)
    app.config.from_object(cls)
    app.config.update(cls.from_environment())
    app.config.update(overrides)
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app)
    if not app.config.get("TOTP_ENCRYPTION_KEY"):
        app.config["TOTP_ENCRYPTION_KEY"] = _instance_secret(app, "totp_key", new_key)
    if cls.ENV_NAME == "production":
        app.debug = False  # never, whatever FLASK_DEBUG says


def _instance_secret(
    app: Flask, name: str = "secret_key", make: Callable[[], str] | None = None
) -> str:
    """Development only: a random key kept in the instance folder, never in the repository."""
    path = Path(app.instance_path) / name
    if not path.exists():
        path.write_text(make() if make else secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def register_database(app: Flask) -> None:
    url = app.config.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "triage.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url_for_sqlalchemy(url)


def register_extensions(app: Flask) -> None:
    from triage import models  # noqa: F401  (registers every table with the metadata)
    from triage.database import configure_engine_events
    from triage.extensions import csrf, db, limiter, login_manager, migrate
    from triage.redis_conn import limiter_storage_uri, redis_url

    db.init_app(app)
    with app.app_context():
        configure_engine_events(db.engine)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", limiter_storage_uri(redis_url(app)))
    # If Redis is briefly unreachable, keep limiting sign-ins in memory rather than not at all.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)


def register_templates(app: Flask) -> None:
    from govuk_frontend_wtf.main import WTFormsHelpers

    from triage.web import template_helpers

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(PROJECT_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    template_helpers.register(app)


def register_security(app: Flask) -> None:
    from werkzeug.middleware.proxy_fix import ProxyFix

    from triage.web import security

    proxies = app.config.get("PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    security.register(app)


def register_auth(app: Flask) -> None:
    from triage.auth import login

    login.register(app)


def register_blueprints(app: Flask) -> None:
    from triage.admin import views as admin_views
    from triage.auth import views as auth_views
    from triage.home import views as home_views
    from triage.intake import views as intake_views
    from triage.ops import views as ops_views

    nav: list[tuple[str, str, str]] = []
    for module in (home_views, intake_views, admin_views, auth_views, ops_views):
        app.register_blueprint(module.bp)
        nav.extend(getattr(module, "NAV", []))
    # Rule-set administration and replay, bulk import, JSON API.
    from triage.api import contacts as _api_contacts  # noqa: F401 (its routes join api_views.bp)
    from triage.api import reports as _api_reports  # noqa: F401  (adds the report routes to api.bp)
    from triage.api import screening as _api_screening  # noqa: F401  (adds its routes)
    from triage.api import views as api_views
    from triage.imports import views as imports_views
    from triage.rulesets import views as rulesets_views

    for module in (imports_views, rulesets_views, api_views):
        app.register_blueprint(module.bp)
        nav.extend(getattr(module, "NAV", []))
    # S2S morning list, support offers, MARAC meetings and agendas.
    from triage.marac import views as marac_views
    from triage.offers import views as offers_views
    from triage.screening import decisions as decision_views
    from triage.screening import views as screening_views

    for module in (screening_views, decision_views, offers_views, marac_views):
        app.register_blueprint(module.bp)
        nav.extend(getattr(module, "NAV", []))
    # Audit history and chain verification; closing referrals and subject-access export;
    # the screening team's possible-earlier-referral tasks.
    from triage.audit_admin import views as audit_admin_views
    from triage.cases import views as cases_views
    from triage.lifecycle import views as lifecycle_views
    from triage.people import views as people_views

    for module in (audit_admin_views, lifecycle_views, people_views, cases_views):
        app.register_blueprint(module.bp)
        nav.extend(getattr(module, "NAV", []))
    # Manager reports (issue 10): timeliness, MARAC performance, the SafeLives return.
    from triage.reports import views as reports_views

    app.register_blueprint(reports_views.bp)
    nav.extend(reports_views.NAV)
    app.extensions["triage_nav"] = nav


def register_limits(app: Flask) -> None:
    from triage.web import limits

    limits.register(app)


def register_transactions(app: Flask) -> None:
    from triage.web import transaction

    transaction.register(app)


def register_errors(app: Flask) -> None:
    from triage.web import errors

    errors.register(app)


def register_cli(app: Flask) -> None:
    from triage.cli import triage_cli

    app.cli.add_command(triage_cli)
