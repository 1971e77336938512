"""The sign-in steps as changes of state: the session rows each step opens and ends, and the
audit event it leaves. The views (triage.auth.views) own the cookie; this module the rows.

Password, then second factor: each step ends with a new row (and so a new cookie token), so a
session id seen before a step is worthless after it. Everything here is flushed and audited
in the caller's transaction; the request boundary commits.
"""

from __future__ import annotations

from datetime import datetime

from triage.extensions import db
from triage.models import AuthSession, User
from triage.services import audit, auth_sessions, mfa
from triage.services.actor import Actor
from triage.totp_keys import TotpKeyring


def password_passed(user: User, actor: Actor, *, now: datetime) -> tuple[str, AuthSession]:
    """The password was right: a session that only reaches the second step (token, row)."""
    token, row = auth_sessions.open_session(user, mfa_passed=False, now=now)
    audit.record(
        "auth.password_ok",
        actor,
        object_type="user",
        object_id=user.id,
        details={"session": row.id},
        now=now,
    )
    return token, row


def enrolment_secret(pending: AuthSession, keys: TotpKeyring) -> str:
    """The authenticator secret offered to this password-only session: the same one on every
    reload of the set-up page, until a code from it is confirmed. Stored encrypted, like the
    account's own secret."""
    if not pending.pending_totp_secret:
        sealed = keys.seal(mfa.new_secret(), owner=pending.user_id)
        pending.pending_totp_secret, pending.pending_totp_key_id = sealed
        db.session.flush()
    return keys.open(
        pending.pending_totp_secret, pending.pending_totp_key_id, owner=pending.user_id
    )


def enrol(
    pending: AuthSession, code: str, actor: Actor, *, now: datetime, keys: TotpKeyring
) -> list[str]:
    """Confirm the offered secret with a code from it; returns the new recovery codes.
    Raises mfa.MfaError (the failure recorded) when the code is wrong."""
    codes = mfa.enrol(pending.user, enrolment_secret(pending, keys), code, actor, now, keys=keys)
    pending.pending_totp_secret = None
    pending.pending_totp_key_id = None
    return codes


def second_factor_passed(
    pending: AuthSession, method: str, actor: Actor, *, now: datetime
) -> tuple[str, AuthSession]:
    """Replace the password-only session with a full one (token, row): privilege changes, so
    the session id changes again."""
    user = pending.user
    auth_sessions.end_session(pending, "mfa_passed", now=now)
    token, row = auth_sessions.open_session(user, mfa_passed=True, now=now)
    audit.record(
        "auth.sign_in",
        actor,
        object_type="user",
        object_id=user.id,
        details={"session": row.id, "method": method},
        now=now,
    )
    return token, row


def sign_out(row: AuthSession | None, user_id: int, actor: Actor, *, now: datetime) -> None:
    """End this browser's session row (if it still has one) and record the sign-out."""
    if row is not None:
        auth_sessions.end_session(row, "sign_out", now=now)
    audit.record("auth.sign_out", actor, object_type="user", object_id=user_id, now=now)
