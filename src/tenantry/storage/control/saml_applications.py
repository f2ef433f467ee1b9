"""SAML applications (SPEC I1) and the deployment-wide entity-id lookup behind A4."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.saml_application import SamlApplication, SamlSettings

from ..tables_control import saml_applications
from .base import RealmTableRepository


class SqlSamlApplicationRepository(RealmTableRepository[SamlApplication]):
    table = saml_applications
    conflict_code = "saml_application_exists"

    def _entity(self, row: Row[Any]) -> SamlApplication:
        return SamlApplication(
            id=row.id,
            realm_id=row.realm_id,
            name=row.name,
            entity_id=row.entity_id,
            created_at=row.created_at,
            settings=SamlSettings.model_validate(row.settings),
        )

    def _values(self, entity: SamlApplication) -> dict[str, Any]:
        return {
            "id": entity.id,
            "realm_id": entity.realm_id,
            "name": entity.name,
            "entity_id": entity.entity_id,
            "settings": entity.settings.model_dump(mode="json"),
            "created_at": entity.created_at,
        }


class SqlSamlEntityRegistry:
    """Not bound to a realm on purpose: A4 asks whether *any* realm holds an entity id; it returns ids only."""

    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def owner(self, entity_id: str) -> tuple[str, str] | None:
        query = select(saml_applications.c.realm_id, saml_applications.c.id).where(
            saml_applications.c.entity_id == entity_id
        )
        row = (await self.conn.execute(query)).first()
        return (row.realm_id, row.id) if row else None
