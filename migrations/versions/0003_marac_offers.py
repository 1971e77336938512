"""MARAC: one active listing per referral, schedule slot per meeting; offer lateness reason

Revision ID: 0003_marac_offers
Revises: 0002_mail_outbox
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_marac_offers"
down_revision = "0002_mail_outbox"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status = 'listed'")


def upgrade():
    with op.batch_alter_table("marac_meetings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scheduled_for", sa.Date(), nullable=True))
        batch_op.create_index("uq_marac_meetings_scheduled_for", ["scheduled_for"], unique=True)
    # A partial unique index: concurrency can never list one referral twice.
    op.create_index(
        "uq_marac_listings_one_active",
        "marac_listings",
        ["referral_id"],
        unique=True,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("late_reason", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("late_reason_detail", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("late_reason_detail")
        batch_op.drop_column("late_reason")
    op.drop_index("uq_marac_listings_one_active", table_name="marac_listings")
    with op.batch_alter_table("marac_meetings", schema=None) as batch_op:
        batch_op.drop_index("uq_marac_meetings_scheduled_for")
        batch_op.drop_column("scheduled_for")
