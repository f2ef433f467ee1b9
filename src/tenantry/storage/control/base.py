"""Shared pieces of the repositories: keyset paging and the realm binding."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, bindparam, delete, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.ports.paging import Page, PageRequest

from ..uniqueness import unique

T = TypeVar("T")


async def keyset_page(
    conn: AsyncConnection,
    query: Select[Any],
    table: Table,
    page: PageRequest,
    to_entity: Callable[[Row[Any]], T],
    key: str = "id",
    parse: Callable[[str], Any] = str,
) -> Page[T]:
    """Order by ``key`` (the time-sortable id unless told) and return ``limit`` rows after ``cursor``.

    Cursors are strings; ``parse`` turns one back into the key's type (``int`` raises ValueError on junk).
    """
    column = table.c[key]
    if page.cursor:
        query = query.where(column > parse(page.cursor))
    rows = (await conn.execute(query.order_by(column).limit(page.limit + 1))).all()
    items = [to_entity(row) for row in rows[: page.limit]]
    next_cursor = str(getattr(rows[page.limit - 1], key)) if len(rows) > page.limit else None
    return Page(items=items, next_cursor=next_cursor)


def keyed_select(table: Table, *keys: str) -> Select[Any]:
    """``SELECT * WHERE realm_id = :b_realm_id AND key = :b_key ...``, built once at import.

    Hot lookups (every refresh and code redemption) reuse it, so SQLAlchemy neither builds the
    statement nor computes its cache key per call. Execute it through ``RealmBound._keyed``.
    """
    criteria = [table.c[name] == bindparam(f"b_{name}") for name in ("realm_id", *keys)]
    return select(table).where(*criteria)


class RealmBound:
    """A repository that only exists bound to one realm; every statement filters on ``realm_id``."""

    table: Table

    def __init__(self, conn: AsyncConnection, realm_id: str):
        self.conn = conn
        self.realm_id = realm_id

    def _scoped(self, query: Select[Any]) -> Select[Any]:
        return query.where(self.table.c.realm_id == self.realm_id)

    async def _keyed(self, statement: Any, **keys: Any) -> Row[Any] | None:
        """The first row of a prebuilt realm-keyed statement (``keyed_select`` or the same ``b_`` names)."""
        values = {f"b_{name}": value for name, value in keys.items()}
        return (await self.conn.execute(statement, {"b_realm_id": self.realm_id, **values})).first()

    async def _in_realm(self, table: Table, entity_id: str) -> bool:
        """Whether a row this repository is about to reference belongs to its realm."""
        query = select(table.c.id).where(table.c.id == entity_id, table.c.realm_id == self.realm_id)
        return (await self.conn.execute(query)).first() is not None


class RealmTableRepository(RealmBound, Generic[T]):
    """CRUD over one realm-scoped table; subclasses say how rows and entities map."""

    def _entity(self, row: Row[Any]) -> T:
        raise NotImplementedError

    def _values(self, entity: T) -> dict[str, Any]:
        raise NotImplementedError

    conflict_code = "conflict"
    """The error code a unique violation of this table answers with."""

    def _references(self, entity: T) -> list[tuple[Table, str]]:
        """Realm-scoped rows the entity points at; foreign keys alone would accept another realm's."""
        return []

    async def _check_references(self, entity: T) -> None:
        for table, entity_id in self._references(entity):
            if not await self._in_realm(table, entity_id):
                raise LookupError(f"the referenced {table.name} row is not in this realm")

    async def add(self, entity: T) -> None:
        values = self._values(entity)
        if values["realm_id"] != self.realm_id:
            raise ValueError("an entity of another realm cannot be written through this repository")
        await self._check_references(entity)
        async with unique(self.conflict_code, f"a conflicting {self.table.name} row exists"):
            await self.conn.execute(insert(self.table).values(**values))

    async def _one(self, *criteria: Any) -> T | None:
        row = (await self.conn.execute(self._scoped(select(self.table)).where(*criteria))).first()
        return self._entity(row) if row else None

    async def get(self, entity_id: str) -> T | None:
        return await self._one(self.table.c.id == entity_id)

    async def by_name(self, name: str) -> T | None:
        return await self._one(self.table.c.name == name)

    async def list(self, page: PageRequest) -> Page[T]:
        return await keyset_page(self.conn, self._scoped(select(self.table)), self.table, page, self._entity)

    async def update(self, entity: T) -> None:
        await self._check_references(entity)
        values = self._values(entity)
        entity_id = values.pop("id")
        values.pop("realm_id")
        values.pop("created_at", None)
        async with unique(self.conflict_code, f"a conflicting {self.table.name} row exists"):
            await self.conn.execute(
                update(self.table)
                .where(self.table.c.id == entity_id, self.table.c.realm_id == self.realm_id)
                .values(**values)
            )

    async def delete(self, entity_id: str) -> None:
        await self.conn.execute(
            delete(self.table).where(self.table.c.id == entity_id, self.table.c.realm_id == self.realm_id)
        )
