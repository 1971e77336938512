"""mail outbox

Revision ID: 0002_mail_outbox
Revises: 0001_initial
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_mail_outbox"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_mail_outbox_referral_id_referrals"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_outbox")),
    )
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mail_outbox_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            "ix_mail_outbox_status_created", ["status", "created_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_mail_outbox_status_created")
        batch_op.drop_index(batch_op.f("ix_mail_outbox_referral_id"))
    op.drop_table("mail_outbox")
