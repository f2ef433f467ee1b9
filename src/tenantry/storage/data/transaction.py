"""The data-plane unit of work for one (plane, realm)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.clock import Clock
from tenantry.core.plane import DataPlane

from ..engines import Engines
from .memberships import SqlMembershipRepository
from .users import SqlCredentialRepository, SqlIdentityRepository, SqlUserRepository


class SqlDataTransaction:
    def __init__(self, conn: AsyncConnection, realm_id: str, clock: Clock):
        self.conn = conn
        self.users = SqlUserRepository(conn, realm_id)
        self.credentials = SqlCredentialRepository(conn, realm_id, clock.now())
        self.identities = SqlIdentityRepository(conn, realm_id)
        self.memberships = SqlMembershipRepository(conn, realm_id)


class SqlDataPlanes:
    def __init__(self, engines: Engines, clock: Clock):
        self.engines = engines
        self.clock = clock

    @asynccontextmanager
    async def transaction(self, plane: DataPlane, realm_id: str) -> AsyncIterator[SqlDataTransaction]:
        async with self.engines.plane_transaction(plane, realm_id) as conn:
            yield SqlDataTransaction(conn, realm_id, self.clock)
