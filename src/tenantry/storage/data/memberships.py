"""Memberships in one data plane, bound to one realm; org-scoped queries also filter on the organization."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Row

from tenantry.core.membership import Membership
from tenantry.ports.paging import Page, PageRequest

from ..control.base import RealmBound, keyed_select, keyset_page
from ..tables_data import memberships, users
from ..uniqueness import unique


def _membership(row: Row[Any]) -> Membership:
    return Membership(
        realm_id=row.realm_id,
        organization_id=row.organization_id,
        user_id=row.user_id,
        created_at=row.created_at,
        roles=list(row.roles),
        source=row.source,
    )


_BY_KEY = keyed_select(memberships, "organization_id", "user_id")


class SqlMembershipRepository(RealmBound):
    table = memberships

    async def add(self, membership: Membership) -> None:
        if membership.realm_id != self.realm_id:
            raise ValueError("a membership of another realm cannot be written through this repository")
        if not await self._in_realm(users, membership.user_id):
            raise LookupError("no such user in this realm")  # the foreign key alone accepts any realm's user
        async with unique("membership_exists", "the user is already a member"):
            await self.conn.execute(insert(memberships).values(**asdict(membership)))

    def _key(self, organization_id: str, user_id: str) -> Any:
        return and_(
            memberships.c.realm_id == self.realm_id,
            memberships.c.organization_id == organization_id,
            memberships.c.user_id == user_id,
        )

    async def get(self, organization_id: str, user_id: str) -> Membership | None:
        row = await self._keyed(_BY_KEY, organization_id=organization_id, user_id=user_id)
        return _membership(row) if row else None

    async def for_organization(self, organization_id: str, page: PageRequest) -> Page[Membership]:
        query = self._scoped(select(memberships)).where(memberships.c.organization_id == organization_id)
        return await keyset_page(self.conn, query, memberships, page, _membership, key="user_id")

    async def for_user(self, user_id: str) -> list[Membership]:
        query = self._scoped(select(memberships)).where(memberships.c.user_id == user_id)
        return [_membership(row) for row in await self.conn.execute(query.order_by(memberships.c.organization_id))]

    async def count_for_user(self, user_id: str) -> int:
        query = self._scoped(select(func.count()).select_from(memberships)).where(memberships.c.user_id == user_id)
        return int((await self.conn.execute(query)).scalar_one())

    async def update(self, membership: Membership) -> None:
        await self.conn.execute(
            update(memberships)
            .where(self._key(membership.organization_id, membership.user_id))
            .values(roles=membership.roles, source=membership.source)
        )

    async def delete(self, organization_id: str, user_id: str) -> bool:
        result = await self.conn.execute(delete(memberships).where(self._key(organization_id, user_id)))
        return bool(result.rowcount)

    async def delete_for_organization(self, organization_id: str) -> int:
        result = await self.conn.execute(
            delete(memberships).where(
                memberships.c.realm_id == self.realm_id, memberships.c.organization_id == organization_id
            )
        )
        return int(result.rowcount or 0)

    async def members_elsewhere(self, organization_id: str) -> list[str]:
        """C3: every member of the organization who also belongs to another organization."""
        other = memberships.alias("other")
        query = (
            select(memberships.c.user_id)
            .join(
                other,
                and_(
                    other.c.realm_id == memberships.c.realm_id,
                    other.c.user_id == memberships.c.user_id,
                    other.c.organization_id != memberships.c.organization_id,
                ),
            )
            .where(memberships.c.realm_id == self.realm_id, memberships.c.organization_id == organization_id)
            .distinct()
            .order_by(memberships.c.user_id)
        )
        return list((await self.conn.execute(query)).scalars())

    async def member_ids(self, organization_id: str) -> list[str]:
        query = self._scoped(select(memberships.c.user_id)).where(memberships.c.organization_id == organization_id)
        return list((await self.conn.execute(query.order_by(memberships.c.user_id))).scalars())

    async def remove_role(self, role_name: str) -> int:
        """Drop a deleted role from every membership of the realm in this plane."""
        changed = 0
        for row in await self.conn.execute(self._scoped(select(memberships))):
            if role_name in row.roles:
                roles = [name for name in row.roles if name != role_name]
                await self.conn.execute(
                    update(memberships).where(self._key(row.organization_id, row.user_id)).values(roles=roles)
                )
                changed += 1
        return changed
