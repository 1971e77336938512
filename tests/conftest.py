"""Test set-up: one app per session on the chosen back end, one rolled-back transaction per test.

The back end comes from TRIAGE_TEST_BACKEND:
- `embedded` (default): a SQLite file and the embedded Redis, in a temporary folder;
- `server`: TEST_DATABASE_URL (PostgreSQL) and TEST_REDIS_URL. If either is missing or does
  not answer, the run fails: a back end we were told to use is never silently skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from flask import Flask
from sqlalchemy import text

from config import TestConfig
from triage import create_app
from triage.extensions import db

BACKEND = os.environ.get("TRIAGE_TEST_BACKEND", "embedded")


def _server_urls() -> tuple[str, str]:
    database_url = os.environ.get("TEST_DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL")
    if not database_url or not redis_url:
        pytest.exit(
            "TRIAGE_TEST_BACKEND=server needs TEST_DATABASE_URL and TEST_REDIS_URL", returncode=3
        )
    return database_url, redis_url


def _reset_postgres_schema(app: Flask) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def app(tmp_path_factory) -> Iterator[Flask]:
    from flask_migrate import upgrade

    instance = tmp_path_factory.mktemp("instance")
    if BACKEND == "server":
        database_url, redis_url = _server_urls()
        overrides = {"DATABASE_URL": database_url, "REDIS_URL": redis_url}
    elif BACKEND == "embedded":
        overrides = {
            "DATABASE_URL": f"sqlite:///{instance}/triage-test.db",
            "REDIS_URL": None,
            "EMBEDDED_REDIS_DIR": str(instance / "redis"),
        }
    else:
        pytest.exit(f"Unknown TRIAGE_TEST_BACKEND {BACKEND!r}", returncode=3)
    os.environ["TRIAGE_INSTANCE_PATH"] = str(instance)
    app = create_app(TestConfig, **overrides)
    try:
        if BACKEND == "server":
            _reset_postgres_schema(app)
        with app.app_context():
            upgrade()  # the schema under test is the one the migrations build
            from triage.redis_conn import get_redis

            get_redis(app).flushdb()
    except Exception as exc:  # any failure here must stop the run, loudly
        pytest.exit(f"Back end {BACKEND!r} is not usable: {exc}", returncode=3)
    yield app
    from triage import embedded_redis
    from triage.redis_conn import get_redis

    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    get_redis(app).close()
    embedded_redis.stop_all()


@pytest.fixture(autouse=True)
def _rollback_transaction(request, app: Flask) -> Iterator[None]:
    """Each test runs in a transaction that is rolled back; commits become savepoints."""
    if "committed" in request.fixturenames:
        yield
        return
    # No app context stays pushed during the test: requests must each get their own (and
    # their own `g`), as in production. Tests that touch the database directly use `app_ctx`.
    with app.app_context():
        engine = db.engine
        connection = engine.connect()
        transaction = connection.begin()
        original_session = db.session
        db._app_engines[app][None] = connection
        db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    try:
        yield
    finally:
        with app.app_context():
            db.session.remove()
            transaction.rollback()
            connection.close()
            db.session = original_session
            db._app_engines[app][None] = engine


@pytest.fixture
def committed(app: Flask) -> Iterator[None]:
    """For tests whose data must really commit (other processes, concurrency): every table
    is emptied afterwards instead of rolling back."""
    yield
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Test-only, as the database owner: let the cleanup past the trigger that
                # keeps audit_events append-only (migration 0004_audit_protection).
                conn.execute(text("SET LOCAL session_replication_role = replica"))
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def redis_client(app: Flask):
    from triage.redis_conn import get_redis

    client = get_redis(app)
    yield client
    client.flushdb()


@pytest.fixture
def login_as(app: Flask, client):
    """`login_as("screener")` signs the test client in as a new user with that role."""
    from tests.factories import make_user
    from triage.auth.login import SESSION_KEY
    from triage.models import User
    from triage.services import auth_sessions as sessions
    from triage.timeutil import utcnow

    def _login(*roles: str, user_id: int | None = None) -> SimpleNamespace:
        with app.app_context():
            user = db.session.get(User, user_id) if user_id else make_user(roles=list(roles))
            token, _row = sessions.open_session(user, mfa_passed=True, now=utcnow())  # both steps
            db.session.commit()
            signed_in = SimpleNamespace(id=user.id, email=user.email, roles=set(user.roles))
        with client.session_transaction() as sess:
            sess[SESSION_KEY] = token
            sess["_user_id"] = str(signed_in.id)
            sess["_fresh"] = True
        return signed_in

    return _login
