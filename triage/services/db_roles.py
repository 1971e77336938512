"""PostgreSQL role model: the application's role may only read and append the audit trail.

Migrations run as the owner of the schema; the web app and workers connect as a separate
login role (`triage_app`, say) granted here: full data access on the other tables, but only
SELECT and INSERT on `audit_events` (plus its id sequence). The owner keeps the table, and
the trigger from migration 0004_audit_protection refuses UPDATE, DELETE and TRUNCATE even
for the owner. See docs/security.md, "Operations security".
"""

from __future__ import annotations

import re

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

AUDIT_TABLE = "audit_events"
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(
    app_role: str, tables: list[str], sequences: list[str], schema: str = "public"
) -> list[str]:
    """The SQL that gives `app_role` its privileges (pure, so it can be shown and tested)."""
    if not _ROLE_NAME.match(app_role):
        raise ValueError("The role name must be lower-case letters, digits and underscores")
    role = f'"{app_role}"'
    statements = [f'GRANT USAGE ON SCHEMA "{schema}" TO {role}']
    for table in sorted(tables):
        if table == AUDIT_TABLE:
            statements.append(f'REVOKE ALL ON TABLE "{table}" FROM {role}')
            statements.append(f'GRANT SELECT, INSERT ON TABLE "{table}" TO {role}')
        elif table == "alembic_version":
            statements.append(f'REVOKE ALL ON TABLE "{table}" FROM {role}')
            statements.append(f'GRANT SELECT ON TABLE "{table}" TO {role}')
        else:
            statements.append(f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "{table}" TO {role}')
    for sequence in sorted(sequences):
        statements.append(f'GRANT USAGE, SELECT ON SEQUENCE "{sequence}" TO {role}')
    return statements


def apply_grants(connection: Connection, app_role: str) -> list[str]:
    """Grant `app_role` its privileges on every table of the current schema; return the SQL."""
    if connection.dialect.name != "postgresql":
        raise ValueError("Database roles apply to PostgreSQL only")
    schema = connection.scalar(text("SELECT current_schema()"))
    tables = inspect(connection).get_table_names(schema=schema)
    sequences = [
        row[0]
        for row in connection.execute(
            text(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = current_schema()"
            )
        )
    ]
    statements = grant_statements(app_role, tables, sequences, schema)
    for statement in statements:
        connection.execute(text(statement))
    return statements
