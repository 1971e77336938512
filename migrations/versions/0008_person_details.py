"""person details with provenance: what each referral recorded about its people

The shared `persons` row keeps only what matching needs (normalised name, date of birth).
Names as written, contact and equality details move to `person_details`, one row per
referral and role, copied from the person row onto every referral that names that person
(so no case loses what it shows). `possible_matches` holds the screening team's "possible
earlier referral" tasks.

Downgrade puts the details back on the person row the way the old intake kept them: the
names from the person's first referral, every other field from the latest referral that
gave it.

Revision ID: 0008_person_details
Revises: 0007_marac_actions
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_person_details"
down_revision = "0007_marac_actions"
branch_labels = None
depends_on = None

CONTACT = ("postcode", "address", "gender", "racially_minoritised", "lgbt", "disabled")
_PERSON_COLUMNS = (
    ("first_name", sa.String(length=100)),
    ("last_name", sa.String(length=100)),
    ("postcode", sa.String(length=10)),
    ("address", sa.Text()),
    ("gender", sa.String(length=20)),
    ("racially_minoritised", sa.Boolean()),
    ("lgbt", sa.Boolean()),
    ("disabled", sa.Boolean()),
)

persons = sa.table(
    "persons",
    sa.column("id", sa.Integer),
    sa.column("date_of_birth", sa.Date),
    sa.column("anonymised_at", sa.DateTime(timezone=True)),
    *(sa.column(name, kind) for name, kind in _PERSON_COLUMNS),
)
referrals = sa.table(
    "referrals",
    sa.column("id", sa.Integer),
    sa.column("victim_id", sa.Integer),
    sa.column("perpetrator_id", sa.Integer),
    sa.column("referrer_id", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
details = sa.table(
    "person_details",
    sa.column("id", sa.Integer),
    sa.column("referral_id", sa.Integer),
    sa.column("role", sa.String),
    sa.column("date_of_birth", sa.Date),
    sa.column("recorded_at", sa.DateTime(timezone=True)),
    sa.column("recorded_by_id", sa.Integer),
    sa.column("erased_at", sa.DateTime(timezone=True)),
    *(sa.column(name, kind) for name, kind in _PERSON_COLUMNS),
)


def _create_tables():
    op.create_table(
        "person_details",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("gender", sa.String(length=20), nullable=True),
        sa.Column("racially_minoritised", sa.Boolean(), nullable=True),
        sa.Column("lgbt", sa.Boolean(), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_person_details_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_person_details_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_details")),
        sa.UniqueConstraint("referral_id", "role", name=op.f("uq_person_details_referral_id")),
    )
    with op.batch_alter_table("person_details", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_person_details_referral_id"), ["referral_id"], unique=False
        )
    op.create_table(
        "possible_matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("referral_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["referrals.id"],
            name=op.f("fk_possible_matches_referral_id_referrals"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_possible_matches_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["users.id"], name=op.f("fk_possible_matches_resolved_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_possible_matches")),
        sa.UniqueConstraint(
            "referral_id", "role", "person_id", name=op.f("uq_possible_matches_referral_id")
        ),
    )
    with op.batch_alter_table("possible_matches", schema=None) as batch_op:
        batch_op.create_index("ix_possible_matches_status", ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_possible_matches_referral_id"), ["referral_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_possible_matches_person_id"), ["person_id"], unique=False
        )


def _refuse_orphans(conn):
    """Details on a person no referral names have nowhere to go: stop rather than lose them."""
    named = sa.union(
        sa.select(referrals.c.victim_id.label("id")),
        sa.select(referrals.c.perpetrator_id).where(referrals.c.perpetrator_id.is_not(None)),
    ).subquery()
    orphans = conn.scalar(
        sa.select(sa.func.count())
        .select_from(persons)
        .where(persons.c.anonymised_at.is_(None), persons.c.id.not_in(sa.select(named.c.id)))
    )
    if orphans:
        raise RuntimeError(
            f"{orphans} person record(s) are named in no referral: their details would be "
            "lost. Review them (subject-access export) and anonymise them before upgrading."
        )


def _copy_details_down(conn):
    """One details row per referral and role, from the person row that referral names."""
    person_values = [persons.c[name] for name, _ in _PERSON_COLUMNS]
    for role, column in (
        ("victim", referrals.c.victim_id),
        ("perpetrator", referrals.c.perpetrator_id),
    ):
        rows = conn.execute(
            sa.select(
                referrals.c.id,
                referrals.c.referrer_id,
                referrals.c.created_at,
                persons.c.date_of_birth,
                persons.c.anonymised_at,
                *person_values,
            ).join(persons, persons.c.id == column)
        ).mappings()
        batch = [
            {
                "referral_id": row["id"],
                "role": role,
                "date_of_birth": row["date_of_birth"],
                "recorded_at": row["created_at"],
                "recorded_by_id": row["referrer_id"],
                "erased_at": row["anonymised_at"],
                **{name: row[name] for name, _ in _PERSON_COLUMNS},
            }
            for row in rows
        ]
        if batch:
            conn.execute(details.insert(), batch)


def upgrade():
    conn = op.get_bind()
    _refuse_orphans(conn)
    _create_tables()
    _copy_details_down(conn)
    # Plain ALTER TABLE (SQLite 3.35+ drops columns itself): a batch copy of `persons` would
    # trip the foreign keys from `referrals` while the old table is dropped.
    for name, _kind in _PERSON_COLUMNS:
        op.drop_column("persons", name)


def _details_up(conn):
    """Each person's details as the old shared row held them (see the module docstring)."""
    person_id = sa.case(
        (details.c.role == "victim", referrals.c.victim_id), else_=referrals.c.perpetrator_id
    )
    rows = conn.execute(
        sa.select(person_id.label("person_id"), *(details.c[n] for n, _ in _PERSON_COLUMNS))
        .join(referrals, referrals.c.id == details.c.referral_id)
        .order_by(details.c.recorded_at, details.c.id)
    ).mappings()
    merged: dict[int, dict] = {}
    for row in rows:
        values = merged.setdefault(
            row["person_id"], {"first_name": row["first_name"], "last_name": row["last_name"]}
        )
        for name in CONTACT:
            if row[name] is not None:
                values[name] = row[name]
    for key, values in merged.items():
        conn.execute(persons.update().where(persons.c.id == key).values(**values))


def downgrade():
    conn = op.get_bind()
    for name, kind in _PERSON_COLUMNS:
        named = name in ("first_name", "last_name")
        default = sa.text("''") if named else None
        op.add_column("persons", sa.Column(name, kind, nullable=not named, server_default=default))
    _details_up(conn)
    if conn.dialect.name != "sqlite":  # SQLite cannot drop a default without copying the table
        for name in ("first_name", "last_name"):
            op.alter_column("persons", name, server_default=None)
    with op.batch_alter_table("possible_matches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_possible_matches_person_id"))
        batch_op.drop_index(batch_op.f("ix_possible_matches_referral_id"))
        batch_op.drop_index("ix_possible_matches_status")
    op.drop_table("possible_matches")
    with op.batch_alter_table("person_details", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_details_referral_id"))
    op.drop_table("person_details")
