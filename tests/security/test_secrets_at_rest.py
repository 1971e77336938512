"""G3 and G4: TOTP secrets encrypted at rest (AES-GCM, key outside the database, rotation)
and recovery codes hashed with argon2id (SHA-256 codes already issued verify until used)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pyotp
import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.settings_support import app_settings
from triage.extensions import db
from triage.models.user import AuthSession, RecoveryCode
from triage.services import demo, mfa, recovery_codes
from triage.services.actor import Actor
from triage.totp_keys import TotpKeyError, TotpKeyring, new_key

pytestmark = pytest.mark.usefixtures("app_ctx")

NOW = datetime(2026, 11, 25, 10, 0, 7, tzinfo=UTC)
ACTOR = Actor.system("test")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _ring(*keys: str) -> TotpKeyring:
    return TotpKeyring.from_config(
        {"TOTP_ENCRYPTION_KEY": keys[0], "TOTP_ENCRYPTION_OLD_KEYS": ",".join(keys[1:])}
    )


def _code(at: datetime = NOW) -> str:
    return pyotp.TOTP(SECRET).at(at)


def test_a_sealed_secret_opens_only_with_its_key_and_for_its_user():
    ring = _ring(new_key())
    sealed, key_id = ring.seal(SECRET, owner=7)
    assert SECRET not in sealed and key_id == ring.current_id
    assert ring.open(sealed, key_id, owner=7) == SECRET
    assert ring.seal(SECRET, owner=7)[0] != sealed  # a fresh nonce each time
    with pytest.raises(TotpKeyError, match="does not open"):
        ring.open(sealed, key_id, owner=8)  # copied onto another account
    with pytest.raises(TotpKeyError, match="no TOTP encryption key"):
        _ring(new_key()).open(sealed, key_id, owner=7)
    with pytest.raises(TotpKeyError, match="32 bytes"):
        _ring("c2hvcnQ=")


def test_a_secret_stored_in_clear_still_works_and_is_encrypted_on_its_next_use():
    keys = app_settings().totp_keys
    user = make_user(["idva"], totp_secret=SECRET, totp_key_id=None)
    assert user.totp_secret == SECRET  # as stored before G3
    assert mfa.verify(user, _code(), ACTOR, NOW, keys=keys).method == "totp"
    assert user.totp_key_id == keys.current_id and SECRET not in user.totp_secret
    assert mfa.stored_secret(user, keys) == SECRET


def test_rotation_re_encrypts_every_secret_under_the_new_key():
    old, new = new_key(), new_key()
    old_ring = _ring(old)
    user = make_user(["idva"])
    user.totp_secret, user.totp_key_id = old_ring.seal(SECRET, owner=user.id)
    legacy = make_user(["idva"], totp_secret=SECRET, totp_key_id=None)
    pending = AuthSession(token_hash="x" * 64, user_id=legacy.id, created_at=NOW)
    pending.pending_totp_secret, pending.pending_totp_key_id = old_ring.seal(
        SECRET, owner=legacy.id
    )
    db.session.add(pending)
    db.session.flush()
    with pytest.raises(TotpKeyError):
        mfa.rotate_secrets(_ring(new), ACTOR, now=NOW)  # the old key must still be given
    rotated = _ring(new, old)
    assert mfa.rotate_secrets(rotated, ACTOR, now=NOW) == 3
    only_new = _ring(new)
    for row in (user, legacy):
        assert row.totp_key_id == only_new.current_id
        assert mfa.stored_secret(row, only_new) == SECRET
    assert only_new.open(pending.pending_totp_secret, pending.pending_totp_key_id, owner=legacy.id)
    assert mfa.rotate_secrets(rotated, ACTOR, now=NOW) == 0  # safe to run twice
    # Signing in works under the new key alone.
    assert mfa.verify(user, _code(), ACTOR, NOW, keys=only_new).method == "totp"


def test_the_rotation_command_re_encrypts_and_commits(app):
    user = make_user(["idva"], totp_secret=SECRET, totp_key_id=None)
    result = app.test_cli_runner().invoke(args=["triage", "rotate-totp-key"])
    assert result.exit_code == 0, result.output
    assert "Re-encrypted" in result.output
    db.session.expire_all()
    assert user.totp_key_id == app_settings().totp_keys.current_id


def test_demo_accounts_still_get_a_code():
    keys = app_settings().totp_keys
    user = make_user(["idva"], email=f"idva@{demo.DEMO_DOMAIN}")
    user.totp_secret, user.totp_key_id = keys.seal(demo.demo_totp_secret("idva"), owner=user.id)
    code = demo.demo_code(user, NOW, keys=keys)
    assert code == pyotp.TOTP(demo.demo_totp_secret("idva")).at(NOW)
    assert mfa.verify(user, code, ACTOR, NOW, keys=keys).method == "totp"


def test_recovery_codes_are_stored_as_argon2id_hashes():
    user = make_user(["idva"], totp_secret=SECRET)
    codes = recovery_codes.issue(user, NOW)
    hashes = db.session.scalars(
        select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
    ).all()
    assert len(hashes) == 10 and all(h.startswith("$argon2id$") for h in hashes)
    assert len(set(hashes)) == 10  # salted: no two alike
    assert not any(c.replace("-", "") in h for c in codes for h in hashes)
    assert recovery_codes.use(user, codes[4], NOW) is True
    assert recovery_codes.use(user, codes[4], NOW) is False  # single use
    assert recovery_codes.use(user, "aaaaa-aaaaa", NOW) is False
    assert recovery_codes.left(user) == 9


def test_every_unused_code_is_checked_whichever_matches(monkeypatch):
    user = make_user(["idva"], totp_secret=SECRET)
    codes = recovery_codes.issue(user, NOW)
    calls = []
    real = recovery_codes._matches
    monkeypatch.setattr(
        recovery_codes,
        "_matches",
        lambda row, uid, code: calls.append(row.id) or real(row, uid, code),
    )
    assert recovery_codes.use(user, codes[0], NOW) is True
    assert len(calls) == 10  # the first matched, the other nine were checked all the same
    calls.clear()
    assert recovery_codes.use(user, "0000-not-a-code", NOW) is False
    assert calls == []  # cannot be a code: refused before any argon2 work


def test_a_sha256_code_issued_before_argon2id_verifies_once():
    keys = app_settings().totp_keys
    user = make_user(["idva"], totp_secret=SECRET)
    old_code = "abcde-fghjk"
    legacy = hashlib.sha256(f"{user.id}:abcdefghjk".encode()).hexdigest()
    db.session.add(RecoveryCode(user_id=user.id, code_hash=legacy, created_at=NOW))
    db.session.flush()
    result = mfa.verify(user, "ABCDE FGHJK", ACTOR, NOW, keys=keys)
    assert result.method == "recovery_code" and result.recovery_codes_left == 0
    with pytest.raises(mfa.MfaError):
        mfa.verify(user, old_code, ACTOR, NOW, keys=keys)
