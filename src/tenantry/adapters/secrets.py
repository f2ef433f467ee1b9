"""The embedded SecretStore: Fernet (AES-128-CBC + HMAC-SHA256) under a master key kept outside the database."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet


class FernetSecretStore:
    def __init__(self, key: bytes):
        self._fernet = Fernet(key)

    @classmethod
    def from_key_or_file(cls, key: str | None, key_file: Path) -> FernetSecretStore:
        """Use ``TENANTRY_MASTER_KEY`` when set; else a key file created once with mode 0600."""
        if key:
            return cls(key.encode())
        if not key_file.exists():
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(key_file.read_bytes().strip())

    def seal(self, plaintext: bytes) -> str:
        return self._fernet.encrypt(plaintext).decode("ascii")

    def open(self, sealed: str) -> bytes:
        return self._fernet.decrypt(sealed.encode("ascii"))
