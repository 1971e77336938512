"""referral drafts: one server-side draft per user per form

Revision ID: 0005_referral_drafts
Revises: 0004_audit_protection
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_referral_drafts"
down_revision = "0004_audit_protection"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "referral_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("form", sa.String(length=40), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_referral_drafts_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral_drafts")),
        sa.UniqueConstraint("user_id", "form", name=op.f("uq_referral_drafts_user_id")),
    )
    with op.batch_alter_table("referral_drafts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_drafts_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_referral_drafts_updated_at"), ["updated_at"], unique=False
        )


def downgrade():
    with op.batch_alter_table("referral_drafts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_drafts_updated_at"))
        batch_op.drop_index(batch_op.f("ix_referral_drafts_user_id"))
    op.drop_table("referral_drafts")
