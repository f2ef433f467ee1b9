"""Sessions and what the provider issues from them: codes and refresh-token families (SPEC S1, S8).

Only digests of the secret values are stored; the values themselves leave the server once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any


def digest(secret: str) -> str:
    """Secrets we issue are 256-bit random values: SHA-256 is the right lookup key (DESIGN section 8)."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(slots=True)
class Session:
    """A user's login at one realm; one organization context at a time (D7).

    The stored deadlines are upper bounds; whether a session is alive depends on the policy in
    force at each use (``tenancy.sessions``).
    """

    id: str
    """Digest of the cookie value."""
    realm_id: str
    user_id: str
    connection_id: str
    auth_time: datetime
    created_at: datetime
    last_seen_at: datetime
    idle_expires_at: datetime
    absolute_expires_at: datetime
    organization_id: str | None = None
    revoked_at: datetime | None = None
    mfa_at: datetime | None = None
    """When the user last proved a second factor in this session (D8 step-up); None: never."""


@dataclass(slots=True)
class TokenFamily:
    """Everything one authorization produced; revoking it kills its refresh and access tokens at once."""

    id: str
    realm_id: str
    user_id: str
    client_id: str
    created_at: datetime
    session_id: str | None = None
    revoked_at: datetime | None = None
    claims: dict[str, Any] | None = None
    """Claims post-login hooks added (``id_token`` and ``access_token``), so refreshed tokens keep them (J1)."""


@dataclass(slots=True)
class AuthorizationCode:
    code_hash: str
    realm_id: str
    family_id: str
    client_id: str
    user_id: str
    redirect_uri: str
    scope: str
    auth_time: datetime
    created_at: datetime
    expires_at: datetime
    session_id: str | None = None
    organization_id: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    used_at: datetime | None = None


@dataclass(slots=True)
class RefreshToken:
    token_hash: str
    realm_id: str
    family_id: str
    client_id: str
    user_id: str
    scope: str
    auth_time: datetime
    created_at: datetime
    expires_at: datetime
    organization_id: str | None = None
    session_id: str | None = None
    rotated_at: datetime | None = None
