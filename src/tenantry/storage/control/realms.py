"""Realms and data planes in the control plane."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.plane import DataPlane
from tenantry.core.policy import Policy
from tenantry.core.realm import Realm, RealmSettings
from tenantry.ports.paging import Page, PageRequest

from ..tables_control import breached_passwords, data_planes, realms
from ..uniqueness import unique
from .base import keyset_page


def _realm(row: Row[Any]) -> Realm:
    return Realm(
        id=row.id,
        name=row.name,
        display_name=row.display_name,
        home_plane_id=row.home_plane_id,
        created_at=row.created_at,
        custom_domain=row.custom_domain,
        settings=RealmSettings.model_validate(row.settings),
        policy=Policy.model_validate(row.policy),
    )


def _realm_values(realm: Realm) -> dict[str, Any]:
    return {
        "id": realm.id,
        "name": realm.name,
        "display_name": realm.display_name,
        "home_plane_id": realm.home_plane_id,
        "created_at": realm.created_at,
        "custom_domain": realm.custom_domain,
        "settings": realm.settings.model_dump(mode="json"),
        "policy": realm.policy.model_dump(mode="json", exclude_none=True),
    }


class SqlRealmRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, realm: Realm) -> None:
        async with unique("realm_exists", "a realm with this name or custom domain exists"):
            await self.conn.execute(insert(realms).values(**_realm_values(realm)))

    async def _one(self, *criteria: Any) -> Realm | None:
        row = (await self.conn.execute(select(realms).where(*criteria))).first()
        return _realm(row) if row else None

    async def get(self, realm_id: str) -> Realm | None:
        return await self._one(realms.c.id == realm_id)

    async def by_name(self, name: str) -> Realm | None:
        return await self._one(realms.c.name == name)

    async def by_custom_domain(self, domain: str) -> Realm | None:
        return await self._one(realms.c.custom_domain == domain)

    async def list(self, page: PageRequest) -> Page[Realm]:
        return await keyset_page(self.conn, select(realms), realms, page, _realm)

    async def update(self, realm: Realm) -> None:
        values = _realm_values(realm)
        values.pop("id")
        values.pop("created_at")  # like every other repository: creation time is written once
        async with unique("realm_exists", "a realm with this name or custom domain exists"):
            await self.conn.execute(update(realms).where(realms.c.id == realm.id).values(**values))

    async def delete(self, realm_id: str) -> None:
        await self.conn.execute(delete(realms).where(realms.c.id == realm_id))

    async def add_breached(self, realm_id: str, sha1_digests: builtins.list[str]) -> int:
        existing = set(
            (
                await self.conn.execute(
                    select(breached_passwords.c.sha1).where(
                        breached_passwords.c.realm_id == realm_id, breached_passwords.c.sha1.in_(sha1_digests)
                    )
                )
            ).scalars()
        )
        fresh = sorted(set(sha1_digests) - existing)
        if fresh:
            await self.conn.execute(insert(breached_passwords), [{"realm_id": realm_id, "sha1": d} for d in fresh])
        return len(fresh)

    async def breached(self, realm_id: str, sha1_digest: str) -> bool:
        query = select(breached_passwords.c.sha1).where(
            breached_passwords.c.realm_id == realm_id, breached_passwords.c.sha1 == sha1_digest
        )
        return (await self.conn.execute(query)).first() is not None


def _plane(row: Row[Any]) -> DataPlane:
    return DataPlane(
        id=row.id,
        name=row.name,
        tier=row.tier,
        database=row.database,
        created_at=row.created_at,
        server=row.server,
        region=row.region,
        version_pin=row.version_pin,
    )


class SqlPlaneRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, plane: DataPlane) -> None:
        async with unique("plane_exists", "a data plane with this name exists"):
            await self.conn.execute(
                insert(data_planes).values(
                    id=plane.id,
                    name=plane.name,
                    tier=plane.tier,
                    database=plane.database,
                    server=plane.server,
                    region=plane.region,
                    version_pin=plane.version_pin,
                    created_at=plane.created_at,
                )
            )

    async def get(self, plane_id: str) -> DataPlane | None:
        row = (await self.conn.execute(select(data_planes).where(data_planes.c.id == plane_id))).first()
        return _plane(row) if row else None

    async def by_name(self, name: str) -> DataPlane | None:
        row = (await self.conn.execute(select(data_planes).where(data_planes.c.name == name))).first()
        return _plane(row) if row else None

    async def list(self) -> list[DataPlane]:
        return [_plane(row) for row in (await self.conn.execute(select(data_planes).order_by(data_planes.c.id)))]

    async def update(self, plane: DataPlane) -> None:
        await self.conn.execute(
            update(data_planes)
            .where(data_planes.c.id == plane.id)
            .values(region=plane.region, version_pin=plane.version_pin, server=plane.server)
        )

    async def delete(self, plane_id: str) -> None:
        await self.conn.execute(delete(data_planes).where(data_planes.c.id == plane_id))
