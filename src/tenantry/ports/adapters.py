"""Small ports for the outside world: password hashing, DNS and secrets at rest."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Hashing runs off the event loop; ``verify`` of an unknown user still costs one hash (S7)."""

    async def hash(self, password: str) -> str: ...
    async def verify(self, password_hash: str | None, password: str) -> bool: ...
    def needs_rehash(self, password_hash: str) -> bool: ...


class TxtResolver(Protocol):
    """Returns the TXT strings at a name; an empty list when there are none or the name does not exist."""

    async def txt(self, name: str) -> list[str]: ...


class SecretStore(Protocol):
    """Encrypts secrets at rest under a master key kept outside the database (DESIGN.md section 8).

    ``open`` raises ``Unavailable`` when the sealed text was not made under the current master key.
    """

    def seal(self, plaintext: bytes) -> str: ...
    def open(self, sealed: str) -> bytes: ...
