"""audit trail protection: append-only trigger on PostgreSQL

On PostgreSQL a trigger rejects UPDATE, DELETE and TRUNCATE on audit_events (even for the
table owner). On SQLite this migration does nothing: there the hash chain and
`triage verify-audit` are the protection.

The grants that keep the application's own role to SELECT and INSERT on the table are
deployment-specific (the role name) and are applied by `flask triage db-roles --app-role`;
see docs/security.md, "Operations security".

Revision ID: 0004_audit_protection
Revises: 0003_marac_offers
"""

from alembic import op

revision = "0004_audit_protection"
down_revision = "0003_marac_offers"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if not _postgresql():
        return
    op.execute(FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
        "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()"
    )


def downgrade():
    if not _postgresql():
        return
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events")
    op.execute("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events")
    op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
