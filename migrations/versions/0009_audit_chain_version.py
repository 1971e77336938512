"""audit chain version: each event names the hash function that chained it

Events written before this migration were chained with version 1 (SHA-256 over the previous
hash and the canonical JSON), so the column's default fills them in without rewriting any
row (adding a column with a constant default is not an UPDATE: the append-only trigger is
not involved).

Revision ID: 0009_audit_chain_version
Revises: 0008_person_details
"""

import sqlalchemy as sa
from alembic import op

revision = "0009_audit_chain_version"
down_revision = "0008_person_details"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "audit_events",
        sa.Column("chain_version", sa.SmallInteger(), nullable=False, server_default="1"),
    )


def downgrade():
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("chain_version")
