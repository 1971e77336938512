"""Manager reports: each offer's working hours from receipt, stored when it is recorded, and
the indexes the report queries use

Revision ID: 0010_report_working_hours
Revises: 0009_audit_chain_version
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_report_working_hours"
down_revision = "0009_audit_chain_version"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("working_hours", sa.Float(), nullable=True))
        # The first offer of each outcome per referral: the reports' window functions.
        batch_op.create_index(
            "ix_offers_referral_outcome_made", ["referral_id", "outcome", "made_at"], unique=False
        )
    with op.batch_alter_table("marac_listings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_marac_listings_meeting_status", ["meeting_id", "status"], unique=False
        )


def downgrade():
    with op.batch_alter_table("marac_listings", schema=None) as batch_op:
        batch_op.drop_index("ix_marac_listings_meeting_status")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index("ix_offers_referral_outcome_made")
        batch_op.drop_column("working_hours")
