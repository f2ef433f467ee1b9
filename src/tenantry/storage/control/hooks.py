"""A realm's post-login hooks, in the order they run."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Row

from tenantry.core.hook import Hook

from ..tables_control import hooks
from .base import RealmTableRepository


class SqlHookRepository(RealmTableRepository[Hook]):
    table = hooks
    conflict_code = "hook_exists"

    def _entity(self, row: Row[Any]) -> Hook:
        return Hook(
            id=row.id,
            realm_id=row.realm_id,
            name=row.name,
            kind=row.kind,
            position=row.position,
            created_at=row.created_at,
            config=dict(row.config),
            enabled=row.enabled,
            fail_open=row.fail_open,
            sealed_secret=row.sealed_secret,
        )

    def _values(self, entity: Hook) -> dict[str, Any]:
        return asdict(entity)

    async def ordered(self) -> list[Hook]:
        """Every hook of the realm in running order (position, then creation)."""
        query = self._scoped(select(hooks)).order_by(hooks.c.position, hooks.c.id)
        return [self._entity(row) for row in await self.conn.execute(query)]

    async def next_position(self) -> int:
        query = select(func.coalesce(func.max(hooks.c.position), -1)).where(hooks.c.realm_id == self.realm_id)
        return int((await self.conn.execute(query)).scalar_one()) + 1

    async def set_positions(self, order: list[str]) -> None:
        """Number the hooks 0..n-1 in the given order of ids (all of the realm's hooks)."""
        for position, hook_id in enumerate(order):
            await self.conn.execute(
                update(hooks).where(hooks.c.realm_id == self.realm_id, hooks.c.id == hook_id).values(position=position)
            )
