"""Bearer tokens for the admin API: operator, realm-admin and org-admin, each with scopes.

Tokens are shown once and stored only as SHA-256 digests: they are 256-bit random values, so a
slow hash would buy nothing and cost a hash per request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

TokenKind = Literal["operator", "realm_admin", "org_admin"]

SCOPES = (
    "realms:read",
    "realms:write",
    "connections:read",
    "connections:write",
    "users:read",
    "users:write",
    "organizations:read",
    "organizations:write",
    "members:read",
    "members:write",
    "domains:read",
    "domains:write",
    "roles:read",
    "roles:write",
    "applications:read",
    "applications:write",
    "audit:read",
    "tokens:write",
)
ORG_ADMIN_SCOPES = (
    "organizations:read",
    "members:read",
    "members:write",
    "domains:read",
    "domains:write",
    "roles:read",
    "audit:read",
)
CONTROL_SCOPES = ("control:provisioning", "control:support", "control:cross_customer_access")
"""Control-plane roles of operators (SPEC L8); realm and organization admins never hold them."""
OPERATOR_SCOPES = SCOPES + CONTROL_SCOPES
REALM_ADMIN_SCOPES = SCOPES
"""A realm admin holds every scope inside its own realm; creating realms stays with operators."""


@dataclass(slots=True)
class AdminToken:
    id: str
    name: str
    kind: TokenKind
    token_hash: str
    created_at: datetime
    scopes: list[str] = field(default_factory=list)
    realm_id: str | None = None
    organization_id: str | None = None
    revoked_at: datetime | None = None

    def allows(self, scope: str) -> bool:
        return scope in self.scopes
