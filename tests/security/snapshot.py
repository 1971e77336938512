"""A fingerprint of every table, to prove that a request changed nothing."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from triage.extensions import db

# Columns that a read may legitimately write: the session's and API token's last activity.
VOLATILE = {("auth_sessions", "last_seen_at"), ("api_tokens", "last_used_at")}


def snapshot(app, *, skip_tables: frozenset[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """{table: (row count, sha256 of its rows)} for every table of the model."""
    result = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name in skip_tables:
                continue
            columns = [c for c in table.columns if (table.name, c.name) not in VOLATILE]
            rows = db.session.execute(select(*columns)).all()
            digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
            result[table.name] = (len(rows), digest)
    return result


def changed(before: dict, after: dict) -> list[str]:
    return sorted(name for name in before if before[name] != after.get(name))
