"""screening decisions (append-only versions), assessment history, safe-contact details

Revision ID: 0011_screening_decisions
Revises: 0010_report_working_hours
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_screening_decisions"
down_revision = "0010_report_working_hours"
branch_labels = None
depends_on = None

SAFE_CONTACT = (
    ("phone", sa.String(40)),
    ("safe_to_call", sa.Boolean()),
    ("safe_to_leave_message", sa.Boolean()),
    ("safe_to_write", sa.Boolean()),
    ("safe_times", sa.String(200)),
)


def upgrade():
    op.create_table(
        "screening_decisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer(),
            sa.ForeignKey("referrals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("route", sa.String(30), nullable=False),
        sa.Column("signpost_to", sa.String(200)),
        sa.Column("no_action_reason", sa.Text()),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("agencies", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text()),
        sa.Column("judgement_reason", sa.Text()),
        sa.Column("risk_before", sa.String(10), nullable=False),
        sa.Column("risk_after", sa.String(10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("referral_id", "version"),
    )
    op.create_index("ix_screening_decisions_referral_id", "screening_decisions", ["referral_id"])
    op.create_index("ix_screening_decisions_owner_id", "screening_decisions", ["owner_id"])
    op.create_table(
        "assessment_records",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "referral_id",
            sa.Integer(),
            sa.ForeignKey("referrals.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("cause", sa.String(30), nullable=False),
        sa.Column("assessment", sa.JSON(), nullable=False),
        sa.Column("ruleset_version", sa.String(40), nullable=False),
        sa.Column("risk_level", sa.String(10), nullable=False),
        sa.Column("decision_id", sa.Integer(), sa.ForeignKey("screening_decisions.id")),
        sa.Column("recorded_by_id", sa.Integer(), sa.ForeignKey("users.id")),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("referral_id", "sequence"),
    )
    op.create_index("ix_assessment_records_referral_id", "assessment_records", ["referral_id"])
    with op.batch_alter_table("person_details") as batch:
        for name, type_ in SAFE_CONTACT:
            batch.add_column(sa.Column(name, type_, nullable=True))


def downgrade():
    with op.batch_alter_table("person_details") as batch:
        for name, _type in reversed(SAFE_CONTACT):
            batch.drop_column(name)
    op.drop_index("ix_assessment_records_referral_id", table_name="assessment_records")
    op.drop_table("assessment_records")
    op.drop_index("ix_screening_decisions_owner_id", table_name="screening_decisions")
    op.drop_index("ix_screening_decisions_referral_id", table_name="screening_decisions")
    op.drop_table("screening_decisions")
