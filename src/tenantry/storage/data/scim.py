"""SCIM records of provisioned users and SCIM groups in one data plane, bound to one realm (SPEC H2, H3, H7)."""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.engine import Row

from tenantry.core.scim import ScimGroup, ScimRecord, identifier_key
from tenantry.ports.scim import Criterion, Found, Window

from ..control.base import RealmBound
from ..tables_data import scim_group_members, scim_groups, scim_user_emails, scim_users, users
from ..uniqueness import unique
from .scim_criteria import Columns, exists_in, where

UNIQUENESS = "uniqueness"


def _record(row: Row[Any]) -> ScimRecord:
    return ScimRecord(
        user_id=row.user_id,
        realm_id=row.realm_id,
        connection_id=row.connection_id,
        user_name=row.user_name,
        version=row.version,
        external_id=row.external_id,
        attributes=dict(row.attributes),
    )


async def _found(conn: Any, query: Select[Any], order: Any, window: Window) -> Found:
    total = int((await conn.execute(select(func.count()).select_from(query.subquery()))).scalar_one())
    if window.count == 0:
        return Found(total, [])
    page = query.order_by(order).offset(window.start_index - 1).limit(window.count)
    return Found(total, [row[0] for row in await conn.execute(page)])


class SqlScimUserRepository(RealmBound):
    table = scim_users

    def _columns(self, connection_id: str) -> Columns:
        email_columns = Columns(
            {
                "email.value": scim_user_emails.c.value_key,
                "email.type": scim_user_emails.c.type,
                "email.primary": scim_user_emails.c.is_primary,
            },
            caseless=frozenset({"email.type"}),
        )
        link = (
            (scim_user_emails.c.user_id == scim_users.c.user_id)
            & (scim_user_emails.c.realm_id == self.realm_id)
            & (scim_user_emails.c.connection_id == connection_id)
        )
        return Columns(
            {
                "id": scim_users.c.user_id,
                "user_name": scim_users.c.user_name_key,
                "external_id": scim_users.c.external_id,
                "display_name": users.c.name,
                "given_name": users.c.given_name,
                "family_name": users.c.family_name,
                "active": users.c.blocked,
                "created": users.c.created_at,
                "last_modified": users.c.updated_at,
            },
            nested={"emails": exists_in(scim_user_emails, link, email_columns)},
            caseless=frozenset({"display_name", "given_name", "family_name"}),
            negated=frozenset({"active"}),
        )

    async def _write_emails(self, record: ScimRecord, *, replacing: bool) -> None:
        if replacing:
            await self.conn.execute(
                delete(scim_user_emails).where(
                    scim_user_emails.c.realm_id == self.realm_id, scim_user_emails.c.user_id == record.user_id
                )
            )
        if record.emails:
            await self.conn.execute(
                insert(scim_user_emails),
                [
                    {
                        "user_id": record.user_id,
                        "position": position,
                        "realm_id": self.realm_id,
                        "connection_id": record.connection_id,
                        "value": email.value,
                        "value_key": identifier_key(email.value),
                        "type": email.type,
                        "is_primary": email.primary,
                    }
                    for position, email in enumerate(record.emails)
                ],
            )

    def _values(self, record: ScimRecord) -> dict[str, Any]:
        return {
            "user_name": record.user_name,
            "user_name_key": record.user_name_key,
            "external_id": record.external_id,
            "attributes": record.attributes,
            "version": record.version,
        }

    async def add(self, record: ScimRecord) -> None:
        if record.realm_id != self.realm_id:
            raise ValueError("a record of another realm cannot be written through this repository")
        async with unique(UNIQUENESS, "a user with this userName exists in the connection"):
            await self.conn.execute(
                insert(scim_users).values(
                    user_id=record.user_id,
                    realm_id=self.realm_id,
                    connection_id=record.connection_id,
                    **self._values(record),
                )
            )
        await self._write_emails(record, replacing=False)

    async def get(self, connection_id: str, user_id: str) -> ScimRecord | None:
        found = await self.get_many(connection_id, [user_id])
        return found[0] if found else None

    async def get_many(self, connection_id: str, user_ids: builtins.list[str]) -> builtins.list[ScimRecord]:
        if not user_ids:
            return []
        query = self._scoped(select(scim_users)).where(
            scim_users.c.connection_id == connection_id, scim_users.c.user_id.in_(user_ids)
        )
        by_id = {row.user_id: _record(row) for row in await self.conn.execute(query)}
        return [by_id[user_id] for user_id in user_ids if user_id in by_id]

    async def update(self, record: ScimRecord) -> None:
        async with unique(UNIQUENESS, "a user with this userName exists in the connection"):
            await self.conn.execute(
                update(scim_users)
                .where(
                    scim_users.c.realm_id == self.realm_id,
                    scim_users.c.connection_id == record.connection_id,
                    scim_users.c.user_id == record.user_id,
                )
                .values(**self._values(record))
            )
        await self._write_emails(record, replacing=True)

    async def find(self, connection_id: str, criterion: Criterion | None, window: Window) -> Found:
        query = (
            select(scim_users.c.user_id)
            .join(users, users.c.id == scim_users.c.user_id)
            .where(
                scim_users.c.realm_id == self.realm_id,
                scim_users.c.connection_id == connection_id,
                users.c.realm_id == self.realm_id,
            )
        )
        if criterion is not None:
            query = query.where(where(criterion, self._columns(connection_id)))
        return await _found(self.conn, query, scim_users.c.user_id, window)

    async def is_provisioned(self, user_id: str) -> bool:
        query = self._scoped(select(scim_users.c.user_id)).where(scim_users.c.user_id == user_id)
        return (await self.conn.execute(query)).first() is not None


def _group(row: Row[Any], members: builtins.list[tuple[str, str | None]]) -> ScimGroup:
    return ScimGroup(
        id=row.id,
        realm_id=row.realm_id,
        connection_id=row.connection_id,
        display_name=row.display_name,
        created_at=row.created_at,
        updated_at=row.updated_at,
        version=row.version,
        external_id=row.external_id,
        member_ids=[user_id for user_id, _ in members],
        displays={user_id: display for user_id, display in members if display is not None},
    )


class SqlScimGroupRepository(RealmBound):
    table = scim_groups

    def _columns(self) -> Columns:
        member_columns = Columns({"member.value": scim_group_members.c.user_id})
        link = (scim_group_members.c.group_id == scim_groups.c.id) & (scim_group_members.c.realm_id == self.realm_id)
        return Columns(
            {
                "id": scim_groups.c.id,
                "display_name": scim_groups.c.display_name_key,
                "external_id": scim_groups.c.external_id,
                "created": scim_groups.c.created_at,
                "last_modified": scim_groups.c.updated_at,
            },
            nested={"members": exists_in(scim_group_members, link, member_columns)},
        )

    def _values(self, group: ScimGroup) -> dict[str, Any]:
        return {
            "display_name": group.display_name,
            "display_name_key": group.display_name_key,
            "external_id": group.external_id,
            "version": group.version,
            "updated_at": group.updated_at,
        }

    async def _members(self, group_ids: builtins.list[str]) -> dict[str, builtins.list[tuple[str, str | None]]]:
        found: dict[str, builtins.list[tuple[str, str | None]]] = {group_id: [] for group_id in group_ids}
        if not group_ids:
            return found
        query = (
            select(scim_group_members.c.group_id, scim_group_members.c.user_id, scim_group_members.c.display)
            .where(scim_group_members.c.realm_id == self.realm_id, scim_group_members.c.group_id.in_(group_ids))
            .order_by(scim_group_members.c.group_id, scim_group_members.c.user_id)
        )
        for row in await self.conn.execute(query):
            found[row.group_id].append((row.user_id, row.display))
        return found

    async def _write_members(self, group: ScimGroup) -> None:
        await self.conn.execute(
            delete(scim_group_members).where(
                scim_group_members.c.realm_id == self.realm_id, scim_group_members.c.group_id == group.id
            )
        )
        members = sorted(set(group.member_ids))
        if not members:
            return
        in_connection = await self.conn.execute(
            select(scim_users.c.user_id).where(
                scim_users.c.realm_id == self.realm_id,
                scim_users.c.connection_id == group.connection_id,
                scim_users.c.user_id.in_(members),
            )
        )
        if len(list(in_connection)) != len(members):
            raise LookupError("a member is not a user of this connection")  # foreign keys accept any realm's user
        await self.conn.execute(
            insert(scim_group_members),
            [
                {"group_id": group.id, "user_id": uid, "realm_id": self.realm_id, "display": group.displays.get(uid)}
                for uid in members
            ],
        )

    async def add(self, group: ScimGroup) -> None:
        if group.realm_id != self.realm_id:
            raise ValueError("a group of another realm cannot be written through this repository")
        async with unique(UNIQUENESS, "a group with this displayName exists in the connection"):
            await self.conn.execute(
                insert(scim_groups).values(
                    id=group.id,
                    realm_id=self.realm_id,
                    connection_id=group.connection_id,
                    created_at=group.created_at,
                    **self._values(group),
                )
            )
        await self._write_members(group)

    async def get(self, connection_id: str, group_id: str) -> ScimGroup | None:
        found = await self.get_many(connection_id, [group_id])
        return found[0] if found else None

    async def get_many(self, connection_id: str, group_ids: builtins.list[str]) -> builtins.list[ScimGroup]:
        if not group_ids:
            return []
        query = self._scoped(select(scim_groups)).where(
            scim_groups.c.connection_id == connection_id, scim_groups.c.id.in_(group_ids)
        )
        rows = list(await self.conn.execute(query))
        members = await self._members([row.id for row in rows])
        by_id = {row.id: _group(row, members[row.id]) for row in rows}
        return [by_id[group_id] for group_id in group_ids if group_id in by_id]

    async def update(self, group: ScimGroup) -> None:
        async with unique(UNIQUENESS, "a group with this displayName exists in the connection"):
            await self.conn.execute(
                update(scim_groups)
                .where(
                    scim_groups.c.realm_id == self.realm_id,
                    scim_groups.c.connection_id == group.connection_id,
                    scim_groups.c.id == group.id,
                )
                .values(**self._values(group))
            )
        await self._write_members(group)

    async def delete(self, connection_id: str, group_id: str) -> None:
        await self.conn.execute(
            delete(scim_groups).where(
                scim_groups.c.realm_id == self.realm_id,
                scim_groups.c.connection_id == connection_id,
                scim_groups.c.id == group_id,
            )
        )

    async def find(self, connection_id: str, criterion: Criterion | None, window: Window) -> Found:
        query = self._scoped(select(scim_groups.c.id)).where(scim_groups.c.connection_id == connection_id)
        if criterion is not None:
            query = query.where(where(criterion, self._columns()))
        return await _found(self.conn, query, scim_groups.c.id, window)

    async def of_users(self, connection_id: str, user_ids: builtins.list[str]) -> dict[str, builtins.list[ScimGroup]]:
        found: dict[str, builtins.list[ScimGroup]] = {user_id: [] for user_id in user_ids}
        if not user_ids:
            return found
        query = (
            select(scim_groups, scim_group_members.c.user_id.label("member_id"))
            .join(scim_group_members, scim_group_members.c.group_id == scim_groups.c.id)
            .where(
                scim_groups.c.realm_id == self.realm_id,
                scim_groups.c.connection_id == connection_id,
                scim_group_members.c.user_id.in_(user_ids),
            )
            .order_by(scim_groups.c.id)
        )
        for row in await self.conn.execute(query):
            found[row.member_id].append(_group(row, []))
        return found
