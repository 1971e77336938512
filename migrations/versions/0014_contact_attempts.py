"""contact attempts are not offers: put attempted-only cases back on the morning list

Before this, any recorded contact set a referral's status to `offer_made`, so a case whose
only contacts were attempts (no contact made, unsafe to contact) dropped off the S2S morning
list and its reminder and escalation stopped. Such cases go back to `received`. Downgrade
restores the old rule: any recorded contact means `offer_made`.

Revision ID: 0014_contact_attempts
Revises: 0013_closure_reason
"""

from alembic import op

revision = "0014_contact_attempts"
down_revision = "0013_closure_reason"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE referrals SET status = 'received' WHERE status = 'offer_made' "
        "AND NOT EXISTS (SELECT 1 FROM offers WHERE offers.referral_id = referrals.id "
        "AND offers.outcome IN ('accepted', 'declined'))"
    )


def downgrade():
    op.execute(
        "UPDATE referrals SET status = 'offer_made' WHERE status = 'received' "
        "AND EXISTS (SELECT 1 FROM offers WHERE offers.referral_id = referrals.id)"
    )
