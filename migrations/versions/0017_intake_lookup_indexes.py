"""intake look-up indexes: the duplicate police reference check and the date-of-birth half
of person matching, which scanned every referral / person row (issue 11: the intake's cost
grew with the size of the database)

Revision ID: 0017_intake_lookup_indexes
Revises: 0016_equality_codes
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_intake_lookup_indexes"
down_revision = "0016_equality_codes"
branch_labels = None
depends_on = None


def upgrade():
    # `lower(police_reference) = ...`: references are compared without case.
    op.create_index(
        "ix_referrals_police_reference_lower",
        "referrals",
        [sa.text("lower(police_reference)")],
    )
    # `match_name = ... OR date_of_birth = ...`: the OR needs an index on each side.
    op.create_index("ix_persons_date_of_birth", "persons", ["date_of_birth"])


def downgrade():
    op.drop_index("ix_persons_date_of_birth", table_name="persons")
    op.drop_index("ix_referrals_police_reference_lower", table_name="referrals")
