"""closure reason: the fixed-list code and the free-text detail given when a case is closed

The code is kept for the reports; the detail is free text, erased by the purge with the rest
of the referral's free text (the audit trail records only the code and that a detail was given).

Revision ID: 0013_closure_reason
Revises: 0012_marac_outcomes
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_closure_reason"
down_revision = "0012_marac_outcomes"
branch_labels = None
depends_on = None


# Plain ALTER TABLE both ways (SQLite 3.35+ drops columns itself): a batch copy of
# `referrals` would drop the old table, and the foreign keys' ON DELETE CASCADE would empty
# `person_details`, `offers` and the rest with it.


def upgrade():
    op.add_column("referrals", sa.Column("closure_reason", sa.String(40), nullable=True))
    op.add_column("referrals", sa.Column("closure_detail", sa.Text(), nullable=True))


def downgrade():
    op.drop_column("referrals", "closure_detail")
    op.drop_column("referrals", "closure_reason")
