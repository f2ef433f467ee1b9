"""Users and their identities. A user's ``id`` is its ``sub``: immutable and never reused."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class User:
    id: str
    realm_id: str
    connection_id: str
    email: str
    created_at: datetime
    updated_at: datetime
    email_verified: bool = False
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    blocked: bool = False
    app_metadata: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True, frozen=True)
class Identity:
    """(connection, issuer, subject) → user. Federated users are keyed by the upstream ``iss``/``sub``, never email."""

    user_id: str
    realm_id: str
    connection_id: str
    issuer: str
    subject: str
