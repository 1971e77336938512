"""The contact-summary migration backfills existing referrals with what `record_contact`
would have stored: built by the service, the columns dropped (downgrade) and rebuilt from
the offers alone (upgrade), on this back end."""

from __future__ import annotations

from alembic.config import Config
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, select, text

from config import TestConfig
from tests.reports import fixtures as fx
from tests.test_migrations import _scratch_database
from triage import PROJECT_ROOT, create_app
from triage.extensions import db
from triage.models import Referral

SUMMARY = (
    Referral.id,
    Referral.first_contact_at,
    Referral.first_offer_at,
    Referral.first_offer_hours,
    Referral.first_offer_late_reason,
)


def _before_the_summary() -> str:
    """The revision just before the migration that adds the summary (found by its name,
    so a renumbering does not break this test)."""
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    for script in ScriptDirectory.from_config(config).walk_revisions():
        if script.revision.endswith("_report_contact_summary"):
            return script.down_revision
    raise AssertionError("no report_contact_summary migration")


def test_the_backfill_matches_what_record_contact_stores(app, tmp_path):
    url, schema = _scratch_database(app, tmp_path)
    scratch = create_app(TestConfig, DATABASE_URL=url, REDIS_URL=app.config["REDIS_URL"])
    try:
        with scratch.app_context():
            upgrade()
            fx.build()
            db.session.commit()
            stored = db.session.execute(select(*SUMMARY).order_by(Referral.id)).all()
            assert sum(1 for row in stored if row.first_offer_at is not None) == 4  # A B C I
            db.session.remove()
            downgrade(revision=_before_the_summary())
            upgrade()
            rebuilt = db.session.execute(select(*SUMMARY).order_by(Referral.id)).all()
            assert rebuilt == stored
            db.session.remove()
            db.engine.dispose()
    finally:
        if schema:
            engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()
