"""The data-plane unit of work for one (plane, realm)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.clock import Clock
from tenantry.core.plane import DataPlane

from ..engines import Engines
from .content import SqlContentRepository
from .factors import SqlFactorRepository
from .grants import SqlGrantRepository, SqlSessionRepository
from .invitations import SqlInvitationRepository, SqlMailTokenRepository
from .memberships import SqlMembershipRepository
from .scim import SqlScimGroupRepository, SqlScimUserRepository
from .users import SqlCredentialRepository, SqlIdentityRepository, SqlUserRepository


class SqlDataTransaction:
    def __init__(self, conn: AsyncConnection, realm_id: str, clock: Clock):
        self.conn = conn
        self.realm_id = realm_id
        self.users = SqlUserRepository(conn, realm_id)
        self.credentials = SqlCredentialRepository(conn, realm_id, clock.now())
        self.identities = SqlIdentityRepository(conn, realm_id)
        self.memberships = SqlMembershipRepository(conn, realm_id)
        self.sessions = SqlSessionRepository(conn, realm_id)
        self.grants = SqlGrantRepository(conn, realm_id)
        self.invitations = SqlInvitationRepository(conn, realm_id)
        self.mail_tokens = SqlMailTokenRepository(conn, realm_id)
        self.factors = SqlFactorRepository(conn, realm_id)
        self.scim_users = SqlScimUserRepository(conn, realm_id)
        self.scim_groups = SqlScimGroupRepository(conn, realm_id)
        self.content = SqlContentRepository(conn, realm_id, clock.now())

    async def lock(self, *keys: str, shared: bool = False) -> None:
        """PostgreSQL: transaction-scoped advisory locks, taken in the order given (callers sort).

        SQLite needs none: every transaction starts with BEGIN IMMEDIATE, so writers are serial.
        """
        if self.conn.dialect.name != "postgresql":
            return
        function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        for key in keys:
            await self.conn.execute(
                text(f"SELECT {function}(hashtextextended(:key, 0))"), {"key": f"{self.realm_id}:{key}"}
            )


class SqlDataPlanes:
    def __init__(self, engines: Engines, clock: Clock):
        self.engines = engines
        self.clock = clock

    @asynccontextmanager
    async def transaction(self, plane: DataPlane, realm_id: str) -> AsyncIterator[SqlDataTransaction]:
        async with self.engines.plane_transaction(plane, realm_id) as conn:
            yield SqlDataTransaction(conn, realm_id, self.clock)

    async def release(self, plane: DataPlane) -> None:
        await self.engines.dispose_plane(plane.id)
