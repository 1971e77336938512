"""Alembic: one head, and upgrade -> downgrade -> upgrade works on this back end."""

from __future__ import annotations

import uuid

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from config import TestConfig
from triage import PROJECT_ROOT, create_app
from triage.extensions import db


def test_there_is_exactly_one_head():
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, heads


def _scratch_database(app, tmp_path):
    """A database nobody else uses: a new SQLite file, or a new PostgreSQL schema."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return f"sqlite:///{tmp_path}/migrations.db", None
    schema = "mig_" + uuid.uuid4().hex[:8]
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}", schema


def test_upgrade_downgrade_upgrade(app, tmp_path):
    url, schema = _scratch_database(app, tmp_path)
    scratch = create_app(
        TestConfig,
        DATABASE_URL=url,
        REDIS_URL=app.config["REDIS_URL"],
    )
    try:
        with scratch.app_context():
            upgrade()
            tables = set(inspect(db.engine).get_table_names())
            assert {"users", "referrals", "audit_events", "due_actions"} <= tables
            downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            upgrade()
            assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())
            db.engine.dispose()
    finally:
        if schema:
            engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
