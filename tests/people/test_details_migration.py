"""Migration 0008 splits each person's details onto every referral naming them, and back."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, create_engine, text

from config import TestConfig
from tests.test_migrations import _scratch_database
from triage import create_app
from triage.extensions import db

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AMIRA = {
    "first_name": "Amira",
    "last_name": "Khan",
    "match_name": "amira|khan",
    "date_of_birth": date(1991, 4, 12),
    "postcode": "E15 9ZZ",
    "address": "2 Later Street",
    "gender": "female",
    "racially_minoritised": True,
    "lgbt": None,
    "disabled": False,
}
DANIEL = {"first_name": "Daniel", "last_name": "Reed", "match_name": "daniel|reed"}


def _referral(n: int, victim_id: int, perpetrator_id: int | None, user_id: int) -> dict:
    return {
        "id": n,
        "source_agency": "police",
        "referrer_id": user_id,
        "referrer_name": "PC Example",
        "victim_id": victim_id,
        "perpetrator_id": perpetrator_id,
        "children_in_household": 0,
        "received_at": WHEN,
        "answers": {},
        "answer_details": {},
        "assessment": {},
        "ruleset_version": "test",
        "score": 0,
        "risk_level": "standard",
        "marac": False,
        "mcic": False,
        "status": "received",
        "created_at": WHEN.replace(day=n + 1),
        "updated_at": WHEN,
    }


def _seed_old_schema() -> None:
    tables = MetaData()
    tables.reflect(db.engine)
    with db.engine.begin() as conn:
        conn.execute(
            tables.tables["users"].insert(),
            {
                "id": 1,
                "email": "r@example.test",
                "name": "R",
                "password_hash": "x",
                "active": True,
                "failed_sign_ins": 0,
                "password_changed_at": WHEN,
                "created_at": WHEN,
            },
        )
        for n, person in ((1, AMIRA), (2, DANIEL)):
            conn.execute(tables.tables["persons"].insert(), {"id": n, "created_at": WHEN, **person})
        conn.execute(
            tables.tables["referrals"].insert(),
            [_referral(1, 1, 2, 1), _referral(2, 1, None, 1)],
        )


def _rows(sql: str) -> list[dict]:
    with db.engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(text(sql))]


@pytest.fixture
def scratch(app, tmp_path):
    url, schema = _scratch_database(app, tmp_path)
    scratch = create_app(TestConfig, DATABASE_URL=url, REDIS_URL=app.config["REDIS_URL"])
    try:
        with scratch.app_context():
            yield scratch
            db.engine.dispose()
    finally:
        if schema:
            engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            engine.dispose()


def test_every_referral_gets_its_people_details_and_downgrade_restores_them(scratch):
    upgrade(revision="0007_marac_actions")
    _seed_old_schema()
    upgrade()

    details = _rows(
        "SELECT referral_id, role, first_name, last_name, date_of_birth, postcode, address, "
        "gender, racially_minoritised, lgbt, disabled, recorded_by_id "
        "FROM person_details ORDER BY referral_id, role"
    )
    assert [(d["referral_id"], d["role"]) for d in details] == [
        (1, "perpetrator"),
        (1, "victim"),
        (2, "victim"),
    ]
    for row in (details[1], details[2]):
        for key in ("first_name", "last_name", "postcode", "address", "gender"):
            assert row[key] == AMIRA[key]
        assert str(row["date_of_birth"]) == "1991-04-12"
        assert bool(row["racially_minoritised"]) is True and bool(row["disabled"]) is False
        assert row["lgbt"] is None and row["recorded_by_id"] == 1
    assert details[0]["first_name"] == "Daniel" and details[0]["postcode"] is None
    person_columns = {c["name"] for c in db.inspect(db.engine).get_columns("persons")}
    assert person_columns == {"id", "match_name", "date_of_birth", "created_at", "anonymised_at"}

    downgrade(revision="0007_marac_actions")
    restored = _rows("SELECT * FROM persons ORDER BY id")
    for key in ("first_name", "last_name", "postcode", "address", "gender"):
        assert restored[0][key] == AMIRA[key]
    assert restored[1]["first_name"] == "Daniel" and restored[1]["postcode"] is None
    assert "person_details" not in db.inspect(db.engine).get_table_names()

    upgrade()
    assert len(_rows("SELECT id FROM person_details")) == 3


def test_a_person_no_referral_names_stops_the_upgrade_rather_than_lose_details(scratch):
    upgrade(revision="0007_marac_actions")
    _seed_old_schema()
    persons = MetaData()
    persons.reflect(db.engine, only=["persons"])
    with db.engine.begin() as conn:
        conn.execute(persons.tables["persons"].insert(), {"id": 3, "created_at": WHEN, **DANIEL})
    with pytest.raises(SystemExit):  # flask-migrate's answer to the migration's RuntimeError
        upgrade()
    assert [r["version_num"] for r in _rows("SELECT version_num FROM alembic_version")] == [
        "0007_marac_actions"
    ]
    assert "person_details" not in db.inspect(db.engine).get_table_names()
    assert [r["first_name"] for r in _rows("SELECT first_name FROM persons ORDER BY id")] == [
        "Amira",
        "Daniel",
        "Daniel",
    ]
