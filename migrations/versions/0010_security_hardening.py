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

Revision ID: 0010_security_hardening
Revises: 0009_audit_chain_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_security_hardening"
down_revision = "0009_audit_chain_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("close_reason", sa.Text(), nullable=True))
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
    with op.batch_alter_table("account_status_notes") as batch:
        batch.create_index(batch.f("ix_account_status_notes_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )
        batch.add_column(sa.Column("totp_key_id", sa.String(length=32), nullable=True))
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("auth_sessions") as batch:
        batch.alter_column(
            "pending_totp_secret", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )
        batch.add_column(sa.Column("pending_totp_key_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("recovery_codes") as batch:
        batch.alter_column(
            "code_hash", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )


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
    with op.batch_alter_table("recovery_codes") as batch:
        batch.alter_column(
            "code_hash", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
    with op.batch_alter_table("auth_sessions") as batch:
        batch.drop_column("pending_totp_key_id")
        batch.alter_column(
            "pending_totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
    with op.batch_alter_table("users") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("totp_key_id")
        batch.alter_column(
            "totp_secret", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
    with op.batch_alter_table("account_status_notes") as batch:
        batch.drop_index(batch.f("ix_account_status_notes_user_id"))
    op.drop_table("account_status_notes")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("close_reason")
