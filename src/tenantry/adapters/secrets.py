"""The SecretStore: Fernet (AES-128-CBC + HMAC-SHA256) under a master key kept outside the database.

The master key is ``TENANTRY_MASTER_KEY`` when set, else a key file made once, mode 0600, and
read on first use (so commands that never touch a secret never create it). Several processes
starting together agree on one file: it is written aside and linked into place, and the loser of
that race reads the winner's key.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from tenantry.core.errors import Unavailable


def valid_master_key(value: str) -> bool:
    """A urlsafe-base64 encoding of 32 bytes, as ``Fernet.generate_key()`` makes."""
    try:
        return len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32
    except (ValueError, binascii.Error, UnicodeEncodeError):
        return False


def _create_key_file(key_file: Path) -> None:
    key_file.parent.mkdir(parents=True, exist_ok=True)
    aside = key_file.with_name(f".{key_file.name}.{secrets.token_hex(8)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(Fernet.generate_key() + b"\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(aside, key_file)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        aside.unlink(missing_ok=True)


class FernetSecretStore:
    def __init__(self, key: str | None = None, key_file: Path | None = None):
        if key is None and key_file is None:
            raise ValueError("a master key or a key file is needed")
        if key is not None and not valid_master_key(key):
            raise ValueError("the master key must be a urlsafe-base64 encoding of 32 bytes")
        self._key_file = key_file
        self._fernet: Fernet | None = Fernet(key.encode("ascii")) if key is not None else None

    def _load(self) -> Fernet:
        if self._fernet is None:
            assert self._key_file is not None
            if not self._key_file.exists():
                _create_key_file(self._key_file)
            content = self._key_file.read_bytes().strip().decode("ascii", "replace")
            if not valid_master_key(content):
                raise Unavailable("the master key file does not hold a valid key", code="master_key_invalid")
            self._fernet = Fernet(content.encode("ascii"))
        return self._fernet

    def seal(self, plaintext: bytes) -> str:
        return self._load().encrypt(plaintext).decode("ascii")

    def open(self, sealed: str) -> bytes:
        try:
            return self._load().decrypt(sealed.encode("ascii"))
        except (InvalidToken, UnicodeEncodeError) as exc:
            raise Unavailable(
                "a stored secret cannot be opened with the current master key (was TENANTRY_MASTER_KEY changed?)",
                code="master_key_mismatch",
            ) from exc
