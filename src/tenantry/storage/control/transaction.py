"""The control-plane unit of work: one database transaction, repositories bound on request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenantry.core.clock import Clock

from .changes import ChangeFeed, begin_watch, watch_writes, written
from .configuration import (
    SqlApplicationRepository,
    SqlConnectionRepository,
    SqlDomainRepository,
    SqlOrganizationRepository,
    SqlRoleRepository,
)
from .customers import SqlCustomerRepository, SqlLeaseRepository, SqlRunRepository
from .hooks import SqlHookRepository
from .idempotency import SqlIdempotencyRepository
from .platform import SqlAdminTokenRepository, SqlAuditRepository, SqlDomainRegistry
from .realms import SqlPlaneRepository, SqlRealmRepository
from .saml_applications import SqlSamlApplicationRepository, SqlSamlEntityRegistry
from .scim_tokens import SqlScimTokenRepository
from .signing_keys import SqlSigningKeyRepository


class SqlControlTransaction:
    def __init__(self, conn: AsyncConnection, clock: Clock):
        self.conn = conn
        self.realms = SqlRealmRepository(conn)
        self.planes = SqlPlaneRepository(conn)
        self.admin_tokens = SqlAdminTokenRepository(conn)
        self.audit = SqlAuditRepository(conn, clock)
        self.domain_registry = SqlDomainRegistry(conn)
        self.idempotency = SqlIdempotencyRepository(conn, clock.now())
        self.saml_entities = SqlSamlEntityRegistry(conn)
        self.scim_tokens = SqlScimTokenRepository(conn)
        self.customers = SqlCustomerRepository(conn)
        self.runs = SqlRunRepository(conn)
        self.leases = SqlLeaseRepository(conn)

    def connections(self, realm_id: str) -> SqlConnectionRepository:
        return SqlConnectionRepository(self.conn, realm_id)

    def organizations(self, realm_id: str) -> SqlOrganizationRepository:
        return SqlOrganizationRepository(self.conn, realm_id)

    def roles(self, realm_id: str) -> SqlRoleRepository:
        return SqlRoleRepository(self.conn, realm_id)

    def domains(self, realm_id: str) -> SqlDomainRepository:
        return SqlDomainRepository(self.conn, realm_id)

    def applications(self, realm_id: str) -> SqlApplicationRepository:
        return SqlApplicationRepository(self.conn, realm_id)

    def signing_keys(self, realm_id: str) -> SqlSigningKeyRepository:
        return SqlSigningKeyRepository(self.conn, realm_id)

    def hooks(self, realm_id: str) -> SqlHookRepository:
        return SqlHookRepository(self.conn, realm_id)

    def saml_applications(self, realm_id: str) -> SqlSamlApplicationRepository:
        return SqlSamlApplicationRepository(self.conn, realm_id)


class SqlControlPlane:
    """Transactions on the control plane; a committed configuration write is announced on ``changes``."""

    def __init__(self, engine: AsyncEngine, clock: Clock, changes: ChangeFeed | None = None):
        self.engine = engine
        self.clock = clock
        self.changes = changes or ChangeFeed()
        watch_writes(engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[SqlControlTransaction]:
        async with self.engine.begin() as conn:
            begin_watch(conn)
            yield SqlControlTransaction(conn, self.clock)
            changed = written(conn)
            if changed:
                await self.changes.announce(conn)
        if changed:
            self.changes.changed()
