"""Users, credentials and identities in one data plane, bound to one realm."""

from __future__ import annotations

import builtins
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.user import Identity, User
from tenantry.ports.paging import Page, PageRequest

from ..control.base import RealmBound, keyed_select, keyset_page
from ..tables_data import credentials, identities, users
from ..uniqueness import unique


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        realm_id=row.realm_id,
        connection_id=row.connection_id,
        email=row.email,
        created_at=row.created_at,
        updated_at=row.updated_at,
        email_verified=row.email_verified,
        name=row.name,
        given_name=row.given_name,
        family_name=row.family_name,
        blocked=row.blocked,
        app_metadata=dict(row.app_metadata),
        user_metadata=dict(row.user_metadata),
    )


_BY_ID = keyed_select(users, "id")


class SqlUserRepository(RealmBound):
    table = users

    async def add(self, user: User) -> None:
        if user.realm_id != self.realm_id:
            raise ValueError("a user of another realm cannot be written through this repository")
        async with unique("user_exists", "a user with this email exists in the connection"):
            await self.conn.execute(insert(users).values(**asdict(user)))

    async def _one(self, *criteria: Any) -> User | None:
        row = (await self.conn.execute(self._scoped(select(users)).where(*criteria))).first()
        return _user(row) if row else None

    async def get(self, user_id: str) -> User | None:
        row = await self._keyed(_BY_ID, id=user_id)
        return _user(row) if row else None

    async def get_many(self, user_ids: builtins.list[str]) -> builtins.list[User]:
        if not user_ids:
            return []
        query = self._scoped(select(users)).where(users.c.id.in_(user_ids)).order_by(users.c.id)
        return [_user(row) for row in await self.conn.execute(query)]

    async def by_email(self, connection_id: str, email: str) -> User | None:
        return await self._one(users.c.connection_id == connection_id, users.c.email == email)

    async def with_email(self, email: str) -> list[User]:
        query = self._scoped(select(users)).where(users.c.email == email).order_by(users.c.id)
        return [_user(row) for row in await self.conn.execute(query)]

    async def list(
        self, page: PageRequest, *, connection_id: str | None = None, email: str | None = None
    ) -> Page[User]:
        query = self._scoped(select(users))
        if connection_id is not None:
            query = query.where(users.c.connection_id == connection_id)
        if email is not None:
            query = query.where(users.c.email == email)
        return await keyset_page(self.conn, query, users, page, _user)

    async def update(self, user: User) -> None:
        values = asdict(user)
        for key in ("id", "realm_id", "created_at", "connection_id"):
            values.pop(key)
        async with unique("user_exists", "a user with this email exists in the connection"):
            await self.conn.execute(
                update(users).where(users.c.id == user.id, users.c.realm_id == self.realm_id).values(**values)
            )

    async def delete(self, user_id: str) -> None:
        await self.conn.execute(delete(users).where(users.c.id == user_id, users.c.realm_id == self.realm_id))

    async def delete_all(self, connection_id: str | None = None) -> int:
        """Delete every user of the realm in this plane, or of one connection; dependents cascade."""
        statement = delete(users).where(users.c.realm_id == self.realm_id)
        if connection_id is not None:
            statement = statement.where(users.c.connection_id == connection_id)
        return int((await self.conn.execute(statement)).rowcount or 0)

    async def colliding_emails(
        self, connection_id: str, other_connection_ids: builtins.list[str], limit: int
    ) -> builtins.list[str]:
        """B6: identifiers of ``connection_id`` that also exist in any of the other connections."""
        if not other_connection_ids:
            return []
        other = users.alias("other")
        query = (
            select(users.c.email)
            .join(
                other,
                and_(
                    other.c.realm_id == users.c.realm_id,
                    other.c.email == users.c.email,
                    other.c.connection_id.in_(other_connection_ids),
                ),
            )
            .where(users.c.realm_id == self.realm_id, users.c.connection_id == connection_id)
            .distinct()
            .order_by(users.c.email)
            .limit(limit)
        )
        return list((await self.conn.execute(query)).scalars())

    async def emails_in(self, connection_id: str, emails: builtins.list[str]) -> builtins.list[str]:
        query = self._scoped(select(users.c.email)).where(
            users.c.connection_id == connection_id, users.c.email.in_(emails)
        )
        return sorted((await self.conn.execute(query)).scalars())

    async def count(self, connection_id: str | None = None) -> int:
        query = self._scoped(select(func.count()).select_from(users))
        if connection_id is not None:
            query = query.where(users.c.connection_id == connection_id)
        return int((await self.conn.execute(query)).scalar_one())


class SqlCredentialRepository(RealmBound):
    table = credentials

    def __init__(self, conn: AsyncConnection, realm_id: str, now: datetime):
        super().__init__(conn, realm_id)
        self.now = now

    async def set_password(self, user_id: str, password_hash: str) -> None:
        if not await self._in_realm(users, user_id):
            raise LookupError("no such user in this realm")
        await self.conn.execute(
            delete(credentials).where(credentials.c.user_id == user_id, credentials.c.realm_id == self.realm_id)
        )
        await self.conn.execute(
            insert(credentials).values(
                user_id=user_id, realm_id=self.realm_id, password_hash=password_hash, updated_at=self.now
            )
        )

    async def password_hash(self, user_id: str) -> str | None:
        query = self._scoped(select(credentials.c.password_hash)).where(credentials.c.user_id == user_id)
        found: str | None = (await self.conn.execute(query)).scalar_one_or_none()
        return found


class SqlIdentityRepository(RealmBound):
    table = identities

    async def add(self, identity: Identity) -> None:
        if identity.realm_id != self.realm_id:
            raise ValueError("an identity of another realm cannot be written through this repository")
        if not await self._in_realm(users, identity.user_id):
            raise LookupError("no such user in this realm")  # the foreign key alone accepts any realm's user
        async with unique("identity_exists", "this identity is linked already"):
            await self.conn.execute(insert(identities).values(**asdict(identity)))

    async def find(self, connection_id: str, issuer: str, subject: str) -> Identity | None:
        query = self._scoped(select(identities)).where(
            identities.c.connection_id == connection_id,
            identities.c.issuer == issuer,
            identities.c.subject == subject,
        )
        row = (await self.conn.execute(query)).first()
        return Identity(row.user_id, row.realm_id, row.connection_id, row.issuer, row.subject) if row else None

    async def for_user(self, user_id: str) -> list[Identity]:
        query = self._scoped(select(identities)).where(identities.c.user_id == user_id)
        return [
            Identity(row.user_id, row.realm_id, row.connection_id, row.issuer, row.subject)
            for row in await self.conn.execute(query)
        ]
