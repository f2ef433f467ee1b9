"""The data-plane registry: register planes and report their schema state (DESIGN.md section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core import names
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.plane import DataPlane, PlaneTier
from tenantry.services.access import Actor, require_operator
from tenantry.services.audit import record
from tenantry.services.context import Ports


def plane_database(control_database: str | None, name: str) -> str:
    """SQLite: the file stem. PostgreSQL: ``{control database}_plane_{name}``, so deployments never collide."""
    safe = name.replace("-", "_")
    return f"{control_database}_plane_{safe}" if control_database else safe


@dataclass(slots=True)
class PlaneRegistry:
    ports: Ports
    control_database: str | None
    servers: frozenset[str] = frozenset()
    """Names of the configured plane servers (TENANTRY_PLANE_SERVERS)."""
    revisions: frozenset[str] = frozenset()
    """Data-plane schema revisions a plane may be pinned at (L10)."""

    async def register(
        self,
        actor: Actor,
        *,
        name: str,
        tier: PlaneTier = "shared",
        region: str | None = None,
        server: str | None = None,
    ) -> DataPlane:
        require_operator(actor)
        names.slug(name, "data plane")
        async with self.ports.control.transaction() as tx:
            database = plane_database(self.control_database, name)
            if await tx.planes.by_name(name) or any(p.database == database for p in await tx.planes.list()):
                raise Conflict("a data plane with this name (or its database) exists", code="plane_exists")
            if server is not None and server not in self.servers:
                raise InvalidInput(
                    "no plane server is configured under this name",
                    code="unknown_plane_server",
                    details={"server": server, "configured": sorted(self.servers)},
                )
            plane = DataPlane(
                id=self.ports.new_id("pln"),
                name=name,
                tier=tier,
                database=database,
                created_at=self.ports.clock.now(),
                server=server,
                region=region,
            )
            await tx.planes.add(plane)
            await record(
                tx, actor, "data_plane.registered", "data_plane", plane.id, details={"name": name, "tier": tier}
            )
        return plane

    async def ensure(self, actor: Actor, name: str) -> DataPlane:
        async with self.ports.control.transaction() as tx:
            existing = await tx.planes.by_name(name)
        return existing or await self.register(actor, name=name)

    async def list(self) -> list[DataPlane]:
        async with self.ports.control.transaction() as tx:
            return await tx.planes.list()

    async def pin(self, actor: Actor, name: str, revision: str | None) -> DataPlane:
        """L10: hold a plane at a schema revision; ``None`` unpins it."""
        require_operator(actor)
        if revision is not None and revision not in self.revisions:
            raise InvalidInput(
                "unknown data-plane schema revision",
                code="unknown_revision",
                details={"revision": revision, "known": sorted(self.revisions)},
            )
        async with self.ports.control.transaction() as tx:
            plane = await tx.planes.by_name(name)
            if plane is None:
                raise NotFound("no such data plane", code="plane_not_found")
            plane.version_pin = revision
            await tx.planes.update(plane)
            await record(tx, actor, "data_plane.pinned", "data_plane", plane.id, details={"revision": revision})
        return plane
