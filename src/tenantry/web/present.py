"""How entities look in API responses: plain JSON, never a secret or a hash."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from tenantry.core.admin_token import AdminToken
from tenantry.core.application import Application
from tenantry.core.audit import AuditEvent
from tenantry.core.branding import Branding
from tenantry.core.connection import Connection, ConnectionOptions
from tenantry.core.domain import DomainClaim
from tenantry.core.factor import Factor
from tenantry.core.federation import Upstream
from tenantry.core.membership import Membership
from tenantry.core.organization import Organization
from tenantry.core.realm import Realm
from tenantry.core.role import Role
from tenantry.core.signing_key import SigningKey
from tenantry.core.user import User
from tenantry.ports.paging import Page


def realm(item: Realm, base_url: str) -> dict[str, Any]:
    return {
        "id": item.id,
        "name": item.name,
        "display_name": item.display_name,
        "issuer": item.issuer(base_url),
        "custom_domain": item.custom_domain,
        "home_plane_id": item.home_plane_id,
        "settings": item.settings.model_dump(mode="json"),
        "policy": item.policy.model_dump(mode="json", exclude_none=True),
        "created_at": item.created_at.isoformat(),
    }


def connection(item: Connection) -> dict[str, Any]:
    data = asdict(item)
    data["password_policy"] = item.password_policy.model_dump(mode="json")
    data["options"] = ConnectionOptions.stored(item.options).model_dump(mode="json")
    data["upstream"] = Upstream.stored(item.upstream).shown() if item.upstream else {}
    data["created_at"] = item.created_at.isoformat()
    return data


def organization(item: Organization) -> dict[str, Any]:
    data = asdict(item)
    data["policy"] = item.policy.model_dump(mode="json", exclude_none=True)
    data["branding"] = Branding.stored(item.branding).model_dump(mode="json")
    data["created_at"] = item.created_at.isoformat()
    return data


def user(item: User) -> dict[str, Any]:
    data = asdict(item)
    data["created_at"] = item.created_at.isoformat()
    data["updated_at"] = item.updated_at.isoformat()
    return data


def factor(item: Factor) -> dict[str, Any]:
    """A second factor without its secret material (the sealed TOTP secret, the passkey's public key)."""
    return {
        "id": item.id,
        "kind": item.kind,
        "label": item.label,
        "created_at": item.created_at.isoformat(),
        "last_used_at": item.last_used_at.isoformat() if item.last_used_at else None,
    }


def membership(item: Membership) -> dict[str, Any]:
    data = asdict(item)
    data["created_at"] = item.created_at.isoformat()
    return data


def role(item: Role) -> dict[str, Any]:
    data = asdict(item)
    data["created_at"] = item.created_at.isoformat()
    return data


def domain(item: DomainClaim) -> dict[str, Any]:
    data = asdict(item)
    for key in ("created_at", "verified_at", "checked_at"):
        data[key] = data[key].isoformat() if data[key] else None
    data["dns_record"] = {"type": "TXT", "names": list(item.record_names), "value": item.txt_record}
    return data


def application(item: Application, client_secret: str | None = None) -> dict[str, Any]:
    data = asdict(item)
    data.pop("client_secret_hash")
    data["created_at"] = item.created_at.isoformat()
    if client_secret is not None:
        data["client_secret"] = client_secret
    return data


def admin_token(item: AdminToken, secret: str | None = None) -> dict[str, Any]:
    data = asdict(item)
    data.pop("token_hash")
    data["created_at"] = item.created_at.isoformat()
    data["revoked_at"] = item.revoked_at.isoformat() if item.revoked_at else None
    if secret is not None:
        data["token"] = secret
    return data


def audit_event(item: AuditEvent) -> dict[str, Any]:
    data = asdict(item)
    data["at"] = item.at.isoformat()
    return data


def signing_key(item: SigningKey) -> dict[str, Any]:
    """The public half only: the private key never leaves the service, not even sealed."""
    return {
        "kid": item.kid,
        "alg": item.alg,
        "status": item.status,
        "issuer": item.issuer,
        "public_jwk": dict(item.public_jwk),
        "created_at": item.created_at.isoformat(),
        "activates_at": item.activates_at.isoformat() if item.activates_at else None,
        "retire_after": item.retire_after.isoformat() if item.retire_after else None,
    }


def page(result: Page[Any], render: Any) -> dict[str, Any]:
    return {"items": [render(item) for item in result.items], "next_cursor": result.next_cursor}
