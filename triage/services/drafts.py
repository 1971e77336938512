"""Server-side drafts of the long referral form: saved on every section POST.

A draft belongs to one user and is only ever read back by that user. It is deleted when
the referral is submitted (or the user discards it); `purge_stale` removes drafts nobody
has touched for `DRAFT_KEEP_DAYS`, since a draft holds personal data.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from triage.extensions import db
from triage.models import ReferralDraft
from triage.services import audit
from triage.services.actor import Actor

REFERRAL_FORM = "referral"
DRAFT_KEEP_DAYS = 30


def get(user_id: int, form: str = REFERRAL_FORM, *, lock: bool = False) -> ReferralDraft | None:
    """The user's draft; `lock` holds its row until the transaction ends (one submission)."""
    query = select(ReferralDraft).where(
        ReferralDraft.user_id == user_id, ReferralDraft.form == form
    )
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def load(user_id: int, form: str = REFERRAL_FORM) -> dict:
    """A copy of the draft's data ({} when there is none), safe to change and save back."""
    row = get(user_id, form)
    return copy.deepcopy(row.data) if row is not None else {}


def save(user_id: int, data: dict, *, now: datetime, form: str = REFERRAL_FORM) -> ReferralDraft:
    """Create or replace the user's draft, in the caller's transaction."""
    row = get(user_id, form)
    if row is None:
        try:
            with db.session.begin_nested():
                row = ReferralDraft(
                    user_id=user_id, form=form, data=data, created_at=now, updated_at=now
                )
                db.session.add(row)
            return row
        except IntegrityError:
            # Another tab created it a moment ago: fall through and update that one.
            row = get(user_id, form)
            if row is None:
                raise
    row.data = copy.deepcopy(data)
    row.updated_at = now
    db.session.flush()
    return row


def save_after_time_out(
    user_id: int, section: str, fields: dict, *, actor: Actor, now: datetime
) -> None:
    """Keep a section posted just after its session timed out: saved to its owner's draft,
    marked to be checked again when next opened, and audited (the section's name only)."""
    draft = load(user_id)
    draft.setdefault("sections", {})[section] = fields
    draft.setdefault("status", {})[section] = "errors"
    draft.setdefault("service_errors", {}).pop(section, None)
    save(user_id, draft, now=now)
    audit.record(
        "referral_draft.saved_after_time_out",
        actor,
        object_type="user",
        object_id=user_id,
        details={"section": section},
        now=now,
    )


def discard(user_id: int, form: str = REFERRAL_FORM) -> bool:
    result = db.session.execute(
        delete(ReferralDraft).where(ReferralDraft.user_id == user_id, ReferralDraft.form == form)
    )
    return bool(result.rowcount)


def purge_stale(now: datetime, keep_days: int = DRAFT_KEEP_DAYS) -> int:
    """Delete drafts not saved for `keep_days`; returns how many went."""
    cutoff = now - timedelta(days=keep_days)
    result = db.session.execute(delete(ReferralDraft).where(ReferralDraft.updated_at < cutoff))
    return result.rowcount or 0
