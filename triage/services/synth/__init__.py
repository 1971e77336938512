"""A realistic synthetic database, built directly and fast (`flask triage synth`).

    report = build(referrals=1_000_000, days=365, seed=1, now=now, settings=settings)

Rows are generated in order of receipt, in chunks, and written with bulk statements (COPY on
PostgreSQL) in the caller's transaction; the audit trail is chained as the services chain it,
so `triage verify-audit` passes. Deterministic for a seed and `now`. Refused on a database
that already holds referrals (the data would mix with real or earlier data) and, by the CLI,
in production mode. A new table is one more generator step in `cases.CaseMaker` plus its
name in `TABLES`.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, text

from triage.extensions import db
from triage.models import (
    AuditEvent,
    DueAction,
    MaracAction,
    MaracListing,
    MaracMeeting,
    Offer,
    Person,
    PersonDetails,
    Referral,
    ScreeningDecision,
    User,
    UserRole,
)
from triage.services import audit
from triage.services.calendar import current_calendar
from triage.services.passwords import hash_password
from triage.services.rulesets import active_ruleset
from triage.services.synth.bulk import BulkWriter
from triage.services.synth.cases import CaseMaker, Ids, Rows, Staff
from triage.services.synth.chain import Chain
from triage.services.synth.meetings import Meetings
from triage.services.synth.profiles import profiles
from triage.services.synth.screening import Screening
from triage.settings import Settings

# Parents before children (the order rows are written in).
TABLES = (
    User, UserRole, MaracMeeting, Person, Referral, PersonDetails, Offer, ScreeningDecision,
    MaracListing, MaracAction, DueAction, AuditEvent,
)  # fmt: skip
CHUNK = 10_000
STAFF = {"referrer": 40, "screener": 6, "s2s_lead": 1, "idva": 8, "marac_coordinator": 1}


class SynthRefused(ValueError):
    """The database is not one the generator may fill."""


@dataclass(frozen=True)
class Report:
    rows: dict[str, int]
    head_seq: int


def build(*, referrals: int, days: int, seed: int, now: datetime, settings: Settings) -> Report:
    """Generate `referrals` referrals received over the `days` before `now` (caller commits)."""
    if referrals < 1 or days < 1:
        raise SynthRefused("--referrals and --days must be at least 1")
    if db.session.scalar(select(Referral.id).limit(1)) is not None:
        raise SynthRefused("The database already holds referrals: synth fills an empty one")
    audit.flush_queued()
    connection = db.session.connection()
    writer = BulkWriter(connection)
    if writer.postgres:  # appends to the chain are serialised, as audit.record does
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": audit._CHAIN_LOCK_KEY})
    seq, head = audit._chain_head()
    ids = Ids({t.__tablename__: writer.next_id(t.__table__) for t in TABLES})
    chain = Chain(ids.next["audit_events"], seq, head)
    rng = random.Random(seed)
    calendar = current_calendar(settings.calendar)
    start = now - timedelta(days=days)
    staff = _staff(writer, ids, chain, start)
    # Enough weekly meetings for the volume (about a third of referrals meet the criteria;
    # 25 places each, some pushed to the next week, as in a busy area).
    per_week = max(1, math.ceil(referrals / days * 7 * 0.35 / 22))
    meetings = Meetings(ids.next["marac_meetings"], start, now, calendar, per_week)
    ids.next["marac_meetings"] += len(meetings.rows)
    _meetings(writer, chain, meetings)
    ruleset = active_ruleset()
    maker = CaseMaker(
        rng, ruleset, profiles(rng, ruleset), calendar, settings, now, staff, meetings
    )
    maker.screening = Screening(seed, staff, now)
    times = sorted(
        start + timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(referrals)
    )
    for begin in range(0, referrals, CHUNK):
        rows = Rows()
        for received_at in times[begin : begin + CHUNK]:
            chain.release(received_at)
            maker.make(received_at.replace(microsecond=0), rows, ids, chain)
        _write(writer, rows, chain)
    chain.release(None)
    writer.write(AuditEvent.__table__, chain.take())
    writer.reset_sequences(t.__table__ for t in TABLES)
    if writer.postgres:
        connection.execute(text("ANALYZE"))  # the planner's statistics for the new rows
    return Report(dict(writer.written), chain.seq)


def _write(writer: BulkWriter, rows: Rows, chain: Chain) -> None:
    for model in TABLES[3:-1]:
        writer.write(model.__table__, rows.tables.get(model.__tablename__, []))
    writer.write(AuditEvent.__table__, chain.take())


def _staff(writer: BulkWriter, ids: Ids, chain: Chain, at: datetime) -> Staff:
    """Synthetic staff accounts; one password hash of a random secret nobody is told, so
    they cannot sign in (the bench and tests make their own accounts)."""
    unusable = hash_password(random.SystemRandom().randbytes(24).hex())
    users, roles, by_role = [], [], {}
    for role, count in STAFF.items():
        for n in range(count):
            user_id = ids.take("users")
            users.append(
                {"id": user_id, "email": f"synth-{role}-{n}@synthetic.invalid",
                 "name": f"Synthetic {role} {n}",
                 "agency": "Police" if role == "referrer" else "S2S",
                 "password_hash": unusable, "active": True, "failed_sign_ins": 0,
                 "password_changed_at": at, "created_at": at},
            )  # fmt: skip
            roles.append({"id": ids.take("user_roles"), "user_id": user_id, "role": role})
            by_role.setdefault(role, []).append(user_id)
            chain.add("user.create", at, user_id=None, object_type="user", object_id=user_id,
                      details={"roles": [role]})  # fmt: skip
    writer.write(User.__table__, users)
    writer.write(UserRole.__table__, roles)
    return Staff(by_role["referrer"], by_role["screener"], by_role["idva"],
                 by_role["marac_coordinator"][0])  # fmt: skip


def _meetings(writer: BulkWriter, chain: Chain, meetings: Meetings) -> None:
    writer.write(MaracMeeting.__table__, meetings.rows)
    for row in meetings.rows:
        chain.add("marac.meeting.create", row["created_at"], user_id=None,
                  object_type="marac_meeting", object_id=row["id"],
                  details={"starts_at": row["starts_at"].isoformat()})  # fmt: skip
