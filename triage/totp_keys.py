"""The keys that encrypt TOTP secrets at rest (AES-256-GCM), kept outside the database.

`TOTP_ENCRYPTION_KEY` is the current key (32 random bytes, URL-safe base64); retired keys
still needed to read older rows are listed in `TOTP_ENCRYPTION_OLD_KEYS` (comma-separated)
until `flask --app wsgi triage rotate-totp-key` has re-encrypted every secret under the
current one (docs/operations.md). Each ciphertext is stored with the id of its key, derived
from the key itself, so no table of ids needs keeping. The associated data binds a
ciphertext to its user: a secret copied onto another account does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


class TotpKeyError(ValueError):
    """A key that is malformed, missing, or does not open a stored secret."""


def new_key() -> str:
    """A fresh key, in the form TOTP_ENCRYPTION_KEY takes."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")


def _decode(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise TotpKeyError("a TOTP encryption key must be URL-safe base64") from None
    if len(raw) != 32:
        raise TotpKeyError("a TOTP encryption key must be 32 bytes (44 base64 characters)")
    return raw


def key_id(raw: bytes) -> str:
    return hashlib.sha256(b"triage totp key id\0" + raw).hexdigest()[:16]


@dataclass(frozen=True)
class TotpKeyring:
    current_id: str
    keys: Mapping[str, bytes]

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TotpKeyring:
        current = config.get("TOTP_ENCRYPTION_KEY")
        if not current:
            raise TotpKeyError("TOTP_ENCRYPTION_KEY is not set")
        raws = [_decode(current)]
        old = config.get("TOTP_ENCRYPTION_OLD_KEYS") or ""
        raws.extend(_decode(part) for part in old.split(",") if part.strip())
        return cls(current_id=key_id(raws[0]), keys={key_id(raw): raw for raw in raws})

    def seal(self, secret: str, *, owner: int) -> tuple[str, str]:
        """(ciphertext, key id) of `secret` under the current key, bound to user `owner`."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current_id]).encrypt(
            nonce, secret.encode("ascii"), _aad(owner)
        )
        return base64.b64encode(nonce + sealed).decode("ascii"), self.current_id

    def open(self, ciphertext: str, key: str | None, *, owner: int) -> str:
        """The secret. `key` None means a secret stored before encryption (returned as is)."""
        if key is None:
            return ciphertext
        if key not in self.keys:
            raise TotpKeyError(f"no TOTP encryption key with id {key} is configured")
        blob = base64.b64decode(ciphertext)
        try:
            clear = AESGCM(self.keys[key]).decrypt(
                blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], _aad(owner)
            )
        except InvalidTag:
            raise TotpKeyError(f"a TOTP secret does not open with key {key}") from None
        return clear.decode("ascii")


def _aad(owner: int) -> bytes:
    return f"triage totp secret v1 user {owner}".encode("ascii")
