"""MARAC outcomes and follow-up: a heard case's outcome, minutes sent, IDVA feedback given,
and due actions that belong to a meeting

Revision ID: 0012_marac_outcomes
Revises: 0011_screening_decisions
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_marac_outcomes"
down_revision = "0011_screening_decisions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("marac_listings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=30), nullable=True))
        batch_op.add_column(
            sa.Column("outcome_recorded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("outcome_recorded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("feedback_given_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_marac_listings_outcome_recorded_by_id_users"),
            "users",
            ["outcome_recorded_by_id"],
            ["id"],
        )
    with op.batch_alter_table("marac_meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("minutes_sent_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("due_actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("marac_meeting_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_due_actions_marac_meeting_id_marac_meetings"),
            "marac_meetings",
            ["marac_meeting_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_due_actions_marac_meeting_id"), ["marac_meeting_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("due_actions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_due_actions_marac_meeting_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_due_actions_marac_meeting_id_marac_meetings"), type_="foreignkey"
        )
        batch_op.drop_column("marac_meeting_id")
    with op.batch_alter_table("marac_meetings", schema=None) as batch_op:
        batch_op.drop_column("minutes_sent_at")
        batch_op.drop_column("held_at")
    with op.batch_alter_table("marac_listings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_marac_listings_outcome_recorded_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_column("feedback_given_at")
        batch_op.drop_column("outcome_recorded_by_id")
        batch_op.drop_column("outcome_recorded_at")
        batch_op.drop_column("outcome")
