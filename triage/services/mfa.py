"""The second factor: TOTP (RFC 6238) with single-use codes, and single-use recovery codes.

Every account must pass this step; a session opened with the password alone signs nobody in
(triage.auth.login). A TOTP code is accepted once: its time-step counter must be later than
the last one used (`User.totp_last_counter`), so a code seen over a shoulder or replayed from a
proxy log is worthless. Failures share the password's per-account progressive delay.

The functions flush and audit in the caller's transaction; the caller commits. A refused code
raises MfaError after recording the failure (count, delay, audit event): the caller keeps
those writes, it does not roll them back.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
import segno
from sqlalchemy import or_, select

from triage.extensions import db
from triage.models.user import AuthSession, User
from triage.services import audit, recovery_codes
from triage.services.accounts import sign_in_delay
from triage.services.actor import Actor
from triage.services.auth_sessions import end_all_sessions
from triage.totp_keys import TotpKeyring

RECOVERY_CODE_COUNT = recovery_codes.RECOVERY_CODE_COUNT
VALID_WINDOW = 1  # accept the previous and next 30-second step as well (clock drift)
_TOTP_FORMAT = re.compile(r"^\d{6}$")


class MfaError(ValueError):
    """A second-factor step that failed; the message is for the user."""


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str, issuer: str) -> str:
    # The label is the account's e-mail address (what authenticator apps show); it is not
    # personal data about a victim, and it stays inside the QR code on the user's own screen.
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """An inline SVG QR code: no script, no external image, nothing for the CSP to allow."""
    return segno.make(uri, error="m").svg_inline(
        scale=5, border=4, title="QR code for your authenticator app"
    )


_clean = recovery_codes.clean


def _matching_counter(secret: str, code: str, now: datetime) -> int | None:
    """The time-step counter whose code equals `code`, within the allowed window."""
    if not _TOTP_FORMAT.match(code):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for counter in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(counter), code):
            return counter
    return None


def _accept_totp(user: User, secret: str, code: str, now: datetime) -> bool:
    counter = _matching_counter(secret, code, now)
    if counter is None:
        return False
    if user.totp_last_counter is not None and counter <= user.totp_last_counter:
        return False  # already used (or older than a code already used): single use
    user.totp_last_counter = counter
    return True


def replace_recovery_codes(user: User, actor: Actor, *, now: datetime) -> list[str]:
    """The user asked for new recovery codes: the old ones stop working."""
    codes = recovery_codes.issue(user, now)
    audit.record(
        "mfa.recovery_codes_replaced", actor, object_type="user", object_id=user.id, now=now
    )
    return codes


def recovery_codes_left(user: User) -> int:
    return recovery_codes.left(user)


def stored_secret(user: User, keys: TotpKeyring) -> str | None:
    """The user's TOTP secret in clear, for this check only (never stored or logged)."""
    if not user.totp_secret:
        return None
    return keys.open(user.totp_secret, user.totp_key_id, owner=user.id)


def _store_secret(user: User, secret: str, keys: TotpKeyring) -> None:
    user.totp_secret, user.totp_key_id = keys.seal(secret, owner=user.id)


def _throttled(user: User, actor: Actor, now: datetime) -> None:
    if sign_in_delay(user, now) > timedelta(0):
        audit.record("mfa.throttled", actor, object_type="user", object_id=user.id, now=now)
        raise MfaError("Too many attempts. Wait a minute, then try again.")


def _failed(user: User, actor: Actor, now: datetime, step: str) -> MfaError:
    user.failed_sign_ins += 1
    user.last_failed_sign_in_at = now
    audit.record(
        "mfa.failure",
        actor,
        object_type="user",
        object_id=user.id,
        details={"step": step},
        now=now,
    )
    return MfaError("Enter a correct code")


def enrol(
    user: User, secret: str, code: str, actor: Actor, now: datetime, *, keys: TotpKeyring
) -> list[str]:
    """Confirm a new authenticator with a code from it; returns fresh recovery codes. The
    secret is stored encrypted under the current key."""
    _throttled(user, actor, now)
    code = _clean(code)
    counter = _matching_counter(secret, code, now)
    if counter is None:
        raise _failed(user, actor, now, "enrol")
    _store_secret(user, secret, keys)
    user.totp_last_counter = counter
    user.failed_sign_ins = 0
    codes = recovery_codes.issue(user, now)
    audit.record("mfa.enrol", actor, object_type="user", object_id=user.id, now=now)
    return codes


@dataclass(frozen=True)
class SecondFactor:
    method: str  # "totp" or "recovery_code"
    recovery_codes_left: int | None = None


def verify(
    user: User, code: str, actor: Actor, now: datetime, *, keys: TotpKeyring
) -> SecondFactor:
    """Check a TOTP code or a recovery code for an enrolled user; raises MfaError if wrong.

    A secret stored in clear (before G3) or under a retired key is re-encrypted under the
    current key on this, its next use."""
    secret = stored_secret(user, keys)
    if not secret:
        raise MfaError("Set up your authenticator app first")
    _throttled(user, actor, now)
    if user.totp_key_id != keys.current_id:
        _store_secret(user, secret, keys)
    code = _clean(code)
    if _accept_totp(user, secret, code, now):
        user.failed_sign_ins = 0
        audit.record("mfa.success", actor, object_type="user", object_id=user.id, now=now)
        return SecondFactor("totp")
    if not _TOTP_FORMAT.match(code) and recovery_codes.use(user, code, now):
        user.failed_sign_ins = 0
        left = recovery_codes.left(user)
        audit.record(
            "mfa.recovery_code_used",
            actor,
            object_type="user",
            object_id=user.id,
            details={"codes_left": left},
            now=now,
        )
        audit.record(
            "mfa.success",
            actor,
            object_type="user",
            object_id=user.id,
            details={"method": "recovery_code"},
            now=now,
        )
        return SecondFactor("recovery_code", left)
    raise _failed(user, actor, now, "verify")


def reset(user: User, actor: Actor, *, now: datetime) -> None:
    """Forget the authenticator and recovery codes (lost phone): enrol again at next sign-in.
    Every session of the user ends, so nobody stays signed in on the old factor."""
    end_all_sessions(user.id, "mfa_reset", now=now)
    user.totp_secret = None
    user.totp_key_id = None
    user.totp_last_counter = None
    recovery_codes.forget(user)
    audit.record("mfa.reset", actor, object_type="user", object_id=user.id, now=now)


def rotate_secrets(keys: TotpKeyring, actor: Actor, *, now: datetime) -> int:
    """Re-encrypt every stored TOTP secret (and every one pending enrolment) that is in clear
    or under another key than the current one; returns how many. Safe to run twice."""
    count = 0
    users = db.session.scalars(
        select(User).where(
            User.totp_secret.is_not(None),
            or_(User.totp_key_id.is_(None), User.totp_key_id != keys.current_id),
        )
    )
    for user in users:
        _store_secret(user, stored_secret(user, keys) or "", keys)
        count += 1
    pending = db.session.scalars(
        select(AuthSession).where(
            AuthSession.pending_totp_secret.is_not(None),
            or_(
                AuthSession.pending_totp_key_id.is_(None),
                AuthSession.pending_totp_key_id != keys.current_id,
            ),
        )
    )
    for row in pending:
        clear = keys.open(row.pending_totp_secret, row.pending_totp_key_id, owner=row.user_id)
        row.pending_totp_secret, row.pending_totp_key_id = keys.seal(clear, owner=row.user_id)
        count += 1
    db.session.flush()
    audit.record(
        "mfa.secrets_rotated", actor, details={"key_id": keys.current_id, "count": count}, now=now
    )
    return count
