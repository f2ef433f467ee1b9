"""The replay cache: single-use markers shared by every node (SAML assertion ids, federation state)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Protocol


def marker_key(realm_id: str, kind: str, value: str) -> str:
    """S5: markers are keyed by (realm, kind, id), stored as a digest so no id or token sits in clear."""
    return hashlib.sha256(f"{realm_id}\x1f{kind}\x1f{value}".encode()).hexdigest()


class ReplayCache(Protocol):
    """Redis when configured, the control-plane database otherwise; unreachable → ``Unavailable`` (fail closed)."""

    async def first_use(self, key: str, expires_at: datetime) -> bool:
        """Record ``key`` until ``expires_at``; False when it was already recorded and has not expired."""
        ...
