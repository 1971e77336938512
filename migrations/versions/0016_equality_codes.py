"""the victim's equality codes (ethnicity, sexual orientation, trans, disability) on
person_details, from which the SafeLives flags are derived

Revision ID: 0016_equality_codes
Revises: 0015_security_hardening
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_equality_codes"
down_revision = "0015_security_hardening"
branch_labels = None
depends_on = None

CODES = (
    ("ethnicity", sa.String(40)),
    ("sexual_orientation", sa.String(20)),
    ("trans", sa.String(20)),
    ("disability", sa.String(20)),
)


def upgrade():
    with op.batch_alter_table("person_details") as batch:
        for name, type_ in CODES:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    with op.batch_alter_table("person_details") as batch:
        for name, _type in reversed(CODES):
            batch.drop_column(name)
