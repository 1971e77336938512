"""MARAC actions: safety actions agreed at a meeting for a listed case

Revision ID: 0007_marac_actions
Revises: 0006_recovery_codes
"""

import sqlalchemy as sa
from alembic import op

revision = "0007_marac_actions"
down_revision = "0006_recovery_codes"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "marac_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["marac_listings.id"],
            name=op.f("fk_marac_actions_listing_id_marac_listings"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_marac_actions_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_marac_actions")),
    )
    with op.batch_alter_table("marac_actions", schema=None) as batch_op:
        batch_op.create_index("ix_marac_actions_status", ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_marac_actions_listing_id"), ["listing_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("marac_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_marac_actions_listing_id"))
        batch_op.drop_index("ix_marac_actions_status")
    op.drop_table("marac_actions")
