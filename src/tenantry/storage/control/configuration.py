"""Realm configuration: connections, organizations, roles, domain claims and applications."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.engine import Row

from tenantry.core.application import Application
from tenantry.core.connection import Connection, PasswordPolicy
from tenantry.core.domain import DomainClaim
from tenantry.core.organization import Organization
from tenantry.core.policy import Policy
from tenantry.core.role import Role
from tenantry.ports.control import EnabledConnection

from ..tables_control import (
    applications,
    connections,
    domain_claims,
    organization_connections,
    organizations,
    roles,
)
from .base import RealmTableRepository


class SqlConnectionRepository(RealmTableRepository[Connection]):
    table = connections
    conflict_code = "connection_exists"

    def _entity(self, row: Row[Any]) -> Connection:
        return Connection(
            id=row.id,
            realm_id=row.realm_id,
            name=row.name,
            kind=row.kind,
            data_plane_id=row.data_plane_id,
            created_at=row.created_at,
            organization_id=row.organization_id,
            password_policy=PasswordPolicy.model_validate(row.password_policy),
            options=dict(row.options),
            upstream=dict(row.upstream),
        )

    def _values(self, entity: Connection) -> dict[str, Any]:
        values = asdict(entity)
        values["password_policy"] = entity.password_policy.model_dump(mode="json")
        return values

    def _references(self, entity: Connection) -> list[tuple[Table, str]]:
        return [(organizations, entity.organization_id)] if entity.organization_id else []

    async def enable(self, link: EnabledConnection) -> None:
        """Both ends must be in this realm, or realm B could tie (and block) realm A's organization (A1)."""
        if not (
            await self._in_realm(organizations, link.organization_id)
            and await self._in_realm(connections, link.connection_id)
        ):
            raise LookupError("the organization or the connection is not in this realm")
        await self.disable(link.organization_id, link.connection_id)
        await self.conn.execute(insert(organization_connections).values(realm_id=self.realm_id, **asdict(link)))

    async def disable(self, organization_id: str, connection_id: str) -> bool:
        result = await self.conn.execute(
            delete(organization_connections).where(
                organization_connections.c.realm_id == self.realm_id,
                organization_connections.c.organization_id == organization_id,
                organization_connections.c.connection_id == connection_id,
            )
        )
        return bool(result.rowcount)

    async def enabled_for(self, organization_id: str) -> list[EnabledConnection]:
        query = select(organization_connections).where(
            organization_connections.c.realm_id == self.realm_id,
            organization_connections.c.organization_id == organization_id,
        )
        return [
            EnabledConnection(row.organization_id, row.connection_id, row.auto_membership)
            for row in await self.conn.execute(query.order_by(organization_connections.c.connection_id))
        ]

    async def owned_by(self, organization_id: str) -> list[Connection]:
        query = self._scoped(select(connections)).where(connections.c.organization_id == organization_id)
        return [self._entity(row) for row in await self.conn.execute(query.order_by(connections.c.id))]

    async def plane_ids(self) -> set[str]:
        """Every data plane holding users of this realm's connections."""
        query = select(connections.c.data_plane_id).where(connections.c.realm_id == self.realm_id).distinct()
        return set((await self.conn.execute(query)).scalars())


class SqlOrganizationRepository(RealmTableRepository[Organization]):
    table = organizations
    conflict_code = "organization_exists"

    def _entity(self, row: Row[Any]) -> Organization:
        return Organization(
            id=row.id,
            realm_id=row.realm_id,
            name=row.name,
            display_name=row.display_name,
            data_plane_id=row.data_plane_id,
            created_at=row.created_at,
            isolated=row.isolated,
            metadata=dict(row.metadata),
            policy=Policy.model_validate(row.policy),
            branding=dict(row.branding),
        )

    def _values(self, entity: Organization) -> dict[str, Any]:
        values = asdict(entity)
        values["policy"] = entity.policy.model_dump(mode="json", exclude_none=True)
        return values

    async def isolated_among(self, organization_ids: list[str]) -> set[str]:
        if not organization_ids:
            return set()
        query = select(organizations.c.id).where(
            organizations.c.realm_id == self.realm_id,
            organizations.c.isolated.is_(True),
            organizations.c.id.in_(organization_ids),
        )
        return set((await self.conn.execute(query)).scalars())


class SqlRoleRepository(RealmTableRepository[Role]):
    table = roles
    conflict_code = "role_exists"

    def _entity(self, row: Row[Any]) -> Role:
        return Role(
            id=row.id,
            realm_id=row.realm_id,
            name=row.name,
            created_at=row.created_at,
            description=row.description,
            permissions=list(row.permissions),
        )

    def _values(self, entity: Role) -> dict[str, Any]:
        return asdict(entity)

    async def by_names(self, names: list[str]) -> list[Role]:
        query = self._scoped(select(roles)).where(roles.c.name.in_(names))
        return [self._entity(row) for row in await self.conn.execute(query.order_by(roles.c.name))]


class SqlDomainRepository(RealmTableRepository[DomainClaim]):
    table = domain_claims
    conflict_code = "domain_taken"

    def _entity(self, row: Row[Any]) -> DomainClaim:
        return domain_claim(row)

    def _values(self, entity: DomainClaim) -> dict[str, Any]:
        return asdict(entity)

    def _references(self, entity: DomainClaim) -> list[tuple[Table, str]]:
        return [(organizations, entity.organization_id)]

    async def for_organization(self, organization_id: str) -> list[DomainClaim]:
        query = self._scoped(select(domain_claims)).where(domain_claims.c.organization_id == organization_id)
        return [self._entity(row) for row in await self.conn.execute(query.order_by(domain_claims.c.domain))]

    async def verified(self, domain: str) -> DomainClaim | None:
        return await self._one(domain_claims.c.domain == domain, domain_claims.c.status == "verified")


def domain_claim(row: Row[Any]) -> DomainClaim:
    return DomainClaim(
        id=row.id,
        realm_id=row.realm_id,
        organization_id=row.organization_id,
        domain=row.domain,
        token=row.token,
        created_at=row.created_at,
        status=row.status,
        method=row.method,
        auto_join=row.auto_join,
        verified_at=row.verified_at,
        checked_at=row.checked_at,
    )


_APP_CONFIG = (
    "redirect_uris",
    "post_logout_redirect_uris",
    "grant_types",
    "organization_usage",
    "organization_prompt",
    "organization_ids",
    "id_token_signed_response_alg",
    "initiate_login_uri",
)


class SqlApplicationRepository(RealmTableRepository[Application]):
    table = applications
    conflict_code = "application_exists"

    def _entity(self, row: Row[Any]) -> Application:
        return Application(
            id=row.id,
            realm_id=row.realm_id,
            name=row.name,
            kind=row.kind,
            client_id=row.client_id,
            created_at=row.created_at,
            public=row.public,
            client_secret_hash=row.client_secret_hash,
            **{key: row.config[key] for key in _APP_CONFIG if key in row.config},
        )

    def _values(self, entity: Application) -> dict[str, Any]:
        values = asdict(entity)
        values["config"] = {key: values.pop(key) for key in _APP_CONFIG}
        return values

    async def by_client_id(self, client_id: str) -> Application | None:
        return await self._one(applications.c.client_id == client_id)


__all__ = [
    "SqlApplicationRepository",
    "SqlConnectionRepository",
    "SqlDomainRepository",
    "SqlOrganizationRepository",
    "SqlRoleRepository",
    "domain_claim",
]
