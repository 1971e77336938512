"""reports at 1M referrals: each referral's contact summary (its first contact, and its first
offer's time, working hours and lateness reason), kept by `services.offers.record_contact`,
and an index the timeliness report's range scan reads without visiting the table

The timeliness report used to find each referral's first offer and first contact with two
correlated look-ups into `offers` per referral; at 1M referrals that was most of its time.
The backfill takes the same "first" the report took: earliest `made_at`, then lowest id.

Revision ID: 0018_report_contact_summary
Revises: 0017_intake_lookup_indexes
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_report_contact_summary"
down_revision = "0017_intake_lookup_indexes"
branch_labels = None
depends_on = None

COLUMNS = ("first_contact_at", "first_offer_at", "first_offer_hours", "first_offer_late_reason")
# Every column the timeliness report reads, range column first (docs/performance.md).
REPORT_INDEX = (
    "received_at",
    "offer_due_at",
    "first_offer_at",
    "first_contact_at",
    "first_offer_hours",
    "source_agency",
    "risk_level",
    "mcic",
    "status",
    "closed_at",
    "first_offer_late_reason",
    "id",
)

_FIRST_OFFER = (
    "SELECT {col} FROM offers o WHERE o.referral_id = referrals.id "
    "AND o.outcome IN ('accepted', 'declined') ORDER BY o.made_at, o.id LIMIT 1"
)
PORTABLE_BACKFILL = (
    "UPDATE referrals SET "
    "first_contact_at = (SELECT min(o.made_at) FROM offers o WHERE o.referral_id = referrals.id), "
    + ", ".join(
        f"{target} = ({_FIRST_OFFER.format(col=source)})"
        for target, source in (
            ("first_offer_at", "o.made_at"),
            ("first_offer_hours", "o.working_hours"),
            ("first_offer_late_reason", "o.late_reason"),
        )
    )
    + " WHERE EXISTS (SELECT 1 FROM offers o WHERE o.referral_id = referrals.id)"
)
# PostgreSQL: one pass over offers instead of four look-ups per referral (1M in seconds).
POSTGRES_BACKFILL = """
UPDATE referrals r SET first_contact_at = c.first_at, first_offer_at = f.made_at,
       first_offer_hours = f.working_hours, first_offer_late_reason = f.late_reason
FROM (SELECT referral_id, min(made_at) AS first_at FROM offers GROUP BY referral_id) c
LEFT JOIN (SELECT DISTINCT ON (referral_id) referral_id, made_at, working_hours, late_reason
           FROM offers WHERE outcome IN ('accepted', 'declined')
           ORDER BY referral_id, made_at, id) f ON f.referral_id = c.referral_id
WHERE r.id = c.referral_id
"""


def upgrade():
    # Plain ALTERs, not a batch: SQLite's table copy cannot reflect the expression index
    # of migration 0017.
    op.add_column("referrals", sa.Column("first_contact_at", sa.DateTime(timezone=True)))
    op.add_column("referrals", sa.Column("first_offer_at", sa.DateTime(timezone=True)))
    op.add_column("referrals", sa.Column("first_offer_hours", sa.Float()))
    op.add_column("referrals", sa.Column("first_offer_late_reason", sa.String(40)))
    postgres = op.get_bind().dialect.name == "postgresql"
    op.execute(POSTGRES_BACKFILL if postgres else PORTABLE_BACKFILL)
    op.create_index("ix_referrals_report_timeliness", "referrals", list(REPORT_INDEX))


def downgrade():
    op.drop_index("ix_referrals_report_timeliness", table_name="referrals")
    for name in reversed(COLUMNS):
        # SQLite (3.35+) drops an unindexed column in place.
        op.execute(f"ALTER TABLE referrals DROP COLUMN {name}")
