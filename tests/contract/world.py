"""Builders for the contract suite and a handle on one migrated deployment.

Ids and times come from one process-wide counter, one millisecond apart, so every keyset order
the tests assert is the creation order and no two runs differ.
"""

from __future__ import annotations

import itertools
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tenantry.bootstrap import DEFAULT_PLANE, Runtime
from tenantry.core.application import Application
from tenantry.core.connection import Connection
from tenantry.core.domain import DomainClaim
from tenantry.core.ids import new_id
from tenantry.core.membership import Membership
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.role import Role
from tenantry.core.user import User
from tenantry.ports.control import ControlPlane
from tenantry.ports.data import DataTransaction
from tenantry.ports.paging import Page, PageRequest

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
_ticks = itertools.count(1)


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def moment() -> datetime:
    """A time one millisecond after the previous one handed out."""
    return at(EPOCH_MS + next(_ticks))


def fresh(prefix: str) -> tuple[str, datetime]:
    """A new id and its creation time, one millisecond after the previous one."""
    ms = EPOCH_MS + next(_ticks)
    return new_id(prefix, ms), at(ms)


def unique(word: str) -> str:
    """A name no other test in this process uses (realm names are unique deployment-wide)."""
    return f"{word}-{next(_ticks)}"


def realm(plane: DataPlane, **fields: Any) -> Realm:
    realm_id, created = fresh("rlm")
    values: dict[str, Any] = {"name": unique("realm"), "display_name": "Realm", **fields}
    return Realm(id=realm_id, home_plane_id=plane.id, created_at=created, **values)


def organization(realm_id: str, plane_id: str, **fields: Any) -> Organization:
    org_id, created = fresh("org")
    values: dict[str, Any] = {"name": unique("org"), "display_name": "Organization", **fields}
    return Organization(id=org_id, realm_id=realm_id, data_plane_id=plane_id, created_at=created, **values)


def connection(realm_id: str, plane_id: str, **fields: Any) -> Connection:
    con_id, created = fresh("con")
    values: dict[str, Any] = {"name": unique("db"), "kind": "database", **fields}
    return Connection(id=con_id, realm_id=realm_id, data_plane_id=plane_id, created_at=created, **values)


def role(realm_id: str, **fields: Any) -> Role:
    role_id, created = fresh("rol")
    values: dict[str, Any] = {"name": unique("role"), **fields}
    return Role(id=role_id, realm_id=realm_id, created_at=created, **values)


def application(realm_id: str, **fields: Any) -> Application:
    app_id, created = fresh("app")
    values: dict[str, Any] = {"name": unique("app"), "kind": "oidc", "client_id": unique("client"), **fields}
    return Application(id=app_id, realm_id=realm_id, created_at=created, **values)


def domain_claim(realm_id: str, organization_id: str, domain: str, **fields: Any) -> DomainClaim:
    claim_id, created = fresh("dom")
    values: dict[str, Any] = {"token": unique("token"), **fields}
    return DomainClaim(
        id=claim_id, realm_id=realm_id, organization_id=organization_id, domain=domain, created_at=created, **values
    )


def user(realm_id: str, connection_id: str, email: str, **fields: Any) -> User:
    user_id, created = fresh("usr")
    return User(
        id=user_id,
        realm_id=realm_id,
        connection_id=connection_id,
        email=email,
        created_at=created,
        updated_at=created,
        **fields,
    )


def membership(realm_id: str, organization_id: str, user_id: str, **fields: Any) -> Membership:
    return Membership(
        realm_id=realm_id, organization_id=organization_id, user_id=user_id, created_at=moment(), **fields
    )


async def walk(fetch: Any, limit: int) -> list[list[Any]]:
    """Every page of a keyset list, following ``next_cursor`` until it is ``None``."""
    pages: list[list[Any]] = []
    cursor: str | None = None
    while True:
        page: Page[Any] = await fetch(PageRequest(limit=limit, cursor=cursor))
        pages.append(page.items)
        if page.next_cursor is None:
            return pages
        cursor = page.next_cursor


@dataclass(slots=True)
class World:
    """One migrated deployment and its default data plane, with shortcuts that commit what they build."""

    runtime: Runtime
    plane: DataPlane

    @classmethod
    async def of(cls, runtime: Runtime) -> World:
        async with runtime.ports.control.transaction() as tx:
            plane = await tx.planes.by_name(DEFAULT_PLANE)
        assert plane is not None
        return cls(runtime, plane)

    @property
    def control(self) -> ControlPlane:
        return self.runtime.ports.control

    def data(self, realm_id: str) -> AbstractAsyncContextManager[DataTransaction]:
        """A data-plane transaction on the default plane, bound to ``realm_id``."""
        return self.runtime.ports.planes.transaction(self.plane, realm_id)

    async def realm(self, **fields: Any) -> Realm:
        built = realm(self.plane, **fields)
        async with self.control.transaction() as tx:
            await tx.realms.add(built)
        return built

    async def organization(self, realm_id: str, **fields: Any) -> Organization:
        built = organization(realm_id, self.plane.id, **fields)
        async with self.control.transaction() as tx:
            await tx.organizations(realm_id).add(built)
        return built

    async def connection(self, realm_id: str, **fields: Any) -> Connection:
        built = connection(realm_id, self.plane.id, **fields)
        async with self.control.transaction() as tx:
            await tx.connections(realm_id).add(built)
        return built

    async def user(self, realm_id: str, connection_id: str, email: str, **fields: Any) -> User:
        built = user(realm_id, connection_id, email, **fields)
        async with self.data(realm_id) as data:
            await data.users.add(built)
        return built

    async def member(self, realm_id: str, organization_id: str, user_id: str, **fields: Any) -> Membership:
        built = membership(realm_id, organization_id, user_id, **fields)
        async with self.data(realm_id) as data:
            await data.memberships.add(built)
        return built
