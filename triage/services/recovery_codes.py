"""Single-use MFA recovery codes, stored as argon2id hashes (docs/security.md G4).

A code is ten characters from a 31-letter alphabet (about 50 bits): too many to guess online,
but a stolen table of fast hashes could be searched, so each code gets its own salted argon2id
hash. Checking a code tries every unused code of the user, always all of them, so the time
taken does not say which (or whether one) matched.

Codes issued before argon2id carry a SHA-256 of "user id:code"; they still verify until used
(then they are spent like any other), and every replacement issues argon2id codes only.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select

from triage.extensions import db
from triage.models.user import RecoveryCode, User

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read back by people
# OWASP's argon2id minimum (19 MiB, 2 passes): the code's own entropy does the rest.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_LEGACY = re.compile(r"[0-9a-f]{64}")
_SHAPE = re.compile(f"[{_ALPHABET}]{{10}}")


def clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _legacy_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{clean(code)}".encode()).hexdigest()


def _matches(row: RecoveryCode, user_id: int, code: str) -> bool:
    if _LEGACY.fullmatch(row.code_hash):
        return hmac.compare_digest(row.code_hash, _legacy_hash(user_id, code))
    try:
        return _hasher.verify(row.code_hash, clean(code))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def issue(user: User, now: datetime) -> list[str]:
    """Replace the user's codes; returns the new codes, to be shown once and never again."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hasher.hash(raw), created_at=now))
    db.session.flush()
    return codes


def left(user: User) -> int:
    return db.session.scalar(
        select(func.count(RecoveryCode.id)).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )


def use(user: User, code: str, now: datetime) -> bool:
    """Spend the matching unused code; False when none matches. Checks every unused code.

    Something that cannot be a code (wrong length or letters) is refused before any hashing,
    so garbage costs no argon2 work; that says nothing about any stored code."""
    if not _SHAPE.fullmatch(clean(code)):
        return False
    rows = db.session.scalars(
        select(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        .order_by(RecoveryCode.id)
    ).all()
    found = None
    for row in rows:
        if _matches(row, user.id, code) and found is None:
            found = row
    if found is None:
        return False
    found.used_at = now
    return True


def forget(user: User) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
