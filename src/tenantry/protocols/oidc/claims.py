"""What tokens and userinfo say about a user (OIDC Core 2, 5.4; SPEC D4, B5).

Organization claims come only from the organization in context: one context per token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tenantry.core.user import User


@dataclass(frozen=True, slots=True)
class OrganizationContext:
    id: str
    name: str
    roles: tuple[str, ...]
    permissions: tuple[str, ...]


def profile_claims(user: User, scopes: set[str]) -> dict[str, Any]:
    claims: dict[str, Any] = {"sub": user.id}
    if "email" in scopes:
        claims.update(email=user.email, email_verified=user.email_verified)
    if "profile" in scopes:
        claims.update({name: value for name in ("name", "given_name", "family_name") if (value := getattr(user, name))})
    return claims


def organization_claims(context: OrganizationContext | None, *, include_name: bool) -> dict[str, Any]:
    if context is None:
        return {}
    claims: dict[str, Any] = {
        "org_id": context.id,
        "roles": list(context.roles),
        "permissions": list(context.permissions),
    }
    if include_name:
        claims["org_name"] = context.name
    return claims


def id_token_claims(
    *,
    issuer: str,
    user: User,
    client_id: str,
    scopes: set[str],
    nonce: str | None,
    auth_time: datetime,
    now: datetime,
    lifetime: timedelta,
    organization: OrganizationContext | None,
    include_org_name: bool,
    session_id: str | None,
) -> dict[str, Any]:
    claims = {
        "iss": issuer,
        "aud": client_id,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "auth_time": int(auth_time.timestamp()),
        **profile_claims(user, scopes),
        **organization_claims(organization, include_name=include_org_name),
    }
    if nonce is not None:
        claims["nonce"] = nonce
    if session_id is not None:
        claims["sid"] = session_id
    return claims
