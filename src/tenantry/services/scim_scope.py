"""What a SCIM request acts within (the token's realm, connection, organization and plane) and what it answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenantry.core.audit import realm_stream, redact
from tenantry.core.connection import Connection
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.ports.control import ControlTransaction

from .context import Ports


@dataclass(frozen=True, slots=True)
class ScimScope:
    """What a presented SCIM token decides (H1)."""

    realm: Realm
    connection: Connection
    organization: Organization | None
    plane: DataPlane
    token_id: str
    base: str
    """The SCIM base URL resources are located under."""

    @property
    def actor(self) -> str:
        return f"scim:{self.token_id}"

    async def record(
        self, tx: ControlTransaction, action: str, target_type: str, target_id: str, details: dict[str, Any]
    ) -> None:
        """An event in the realm's audit stream, naming the SCIM token as the actor."""
        await tx.audit.append(
            stream=realm_stream(self.realm.id),
            actor=self.actor,
            action=action,
            target_type=target_type,
            target_id=target_id,
            request_id=None,
            realm_id=self.realm.id,
            organization_id=self.organization.id if self.organization else None,
            details=redact({"connection_id": self.connection.id, **details}),
        )


def scim_base(ports: Ports, realm: Realm) -> str:
    return f"{realm.issuer(ports.base_url)}/scim/v2"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A resource as answered: its document, its ETag and its location."""

    document: dict[str, Any]
    etag: str
    location: str
