"""security hardening (docs/security.md §8 G16, G3, G4, G8)

- G16: the typed reason for closing a referral lives on the referral (`close_reason`), and an
  account's disable/enable reasons in `account_status_notes`; the audit records only a code
  and that a reason was given. Existing audit events are left as they are.
- G3: TOTP secrets are stored encrypted (AES-GCM); `totp_key_id` names the key. Secrets
  already stored stay readable (key id NULL means "not yet encrypted") and are encrypted on
  their next use or by `flask --app wsgi triage rotate-totp-key` (docs/operations.md), so this
  migration needs no key.
- G4: recovery codes are hashed with argon2id, which needs a longer column; SHA-256 codes
  already issued still verify until used.
- G8: `must_change_password`, set when an administrator sets or resets a password.

Revision ID: 0015_security_hardening
Revises: 0014_contact_attempts
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_security_hardening"
down_revision = "0014_contact_attempts"
branch_labels = None
depends_on = None


# SQLite: a batch "alter" rebuilds the whole table, which its foreign keys refuse once rows
# point at it (users). SQLite does not enforce VARCHAR lengths and adds and drops plain
# columns in place, so on SQLite these steps skip the rebuild.


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _widen(table: str, column: str, old: int, new: int) -> None:
    if not _sqlite():
        op.alter_column(
            table, column, existing_type=sa.String(length=old), type_=sa.String(length=new)
        )


def _drop(table: str, column: str) -> None:
    if _sqlite():
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    else:
        op.drop_column(table, column)


def upgrade():
    op.create_table(
        "account_status_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_status_notes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_status_notes")),
    )
    op.create_index(
        op.f("ix_account_status_notes_user_id"), "account_status_notes", ["user_id"], unique=False
    )
    _widen("users", "totp_secret", 64, 255)
    op.add_column("users", sa.Column("totp_key_id", sa.String(length=32), nullable=True))
    op.add_column(
        "users",
        sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    _widen("auth_sessions", "pending_totp_secret", 64, 255)
    op.add_column(
        "auth_sessions", sa.Column("pending_totp_key_id", sa.String(length=32), nullable=True)
    )
    _widen("recovery_codes", "code_hash", 64, 255)


def downgrade():
    # Going back to plain columns: an encrypted secret or an argon2 hash would not fit or
    # would not be understood by the older code, so those accounts enrol again.
    op.execute("DELETE FROM recovery_codes WHERE length(code_hash) > 64")
    op.execute(
        "UPDATE users SET totp_secret = NULL, totp_last_counter = NULL "
        "WHERE totp_key_id IS NOT NULL"
    )
    op.execute(
        "UPDATE auth_sessions SET pending_totp_secret = NULL WHERE pending_totp_key_id IS NOT NULL"
    )
    _widen("recovery_codes", "code_hash", 255, 64)
    _drop("auth_sessions", "pending_totp_key_id")
    _widen("auth_sessions", "pending_totp_secret", 255, 64)
    _drop("users", "must_change_password")
    _drop("users", "totp_key_id")
    _widen("users", "totp_secret", 255, 64)
    op.drop_index(op.f("ix_account_status_notes_user_id"), table_name="account_status_notes")
    op.drop_table("account_status_notes")
