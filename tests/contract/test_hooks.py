"""HookRepository contract (SPEC J1, A1, A5): a realm's hooks in order, invisible from any other realm."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tenantry.core.errors import Conflict
from tenantry.core.hook import Hook

from .world import World, fresh, unique

RULE = {"actions": [{"type": "require_mfa"}]}


def hook(realm_id: str, position: int, **fields: Any) -> Hook:
    hook_id, created = fresh("hok")
    values: dict[str, Any] = {"name": unique("hook"), "kind": "rule", "config": RULE, **fields}
    return Hook(id=hook_id, realm_id=realm_id, position=position, created_at=created, **values)


async def test_j1_hooks_round_trip_in_position_order(world: World):
    realm = await world.realm()
    second, first = hook(realm.id, 1, kind="webhook", sealed_secret="sealed", fail_open=True), hook(realm.id, 0)
    async with world.control.transaction() as tx:
        repo = tx.hooks(realm.id)
        assert await repo.next_position() == 0
        await repo.add(second)
        await repo.add(first)
        assert await repo.ordered() == [first, second]
        assert await repo.get(second.id) == second and await repo.by_name(first.name) == first
        assert await repo.next_position() == 2
        await repo.set_positions([second.id, first.id])
        assert [h.id for h in await repo.ordered()] == [second.id, first.id]
        await repo.update(replace(first, enabled=False, config={"actions": [{"type": "deny", "reason": "x"}]}))
        assert (await repo.get(first.id)).enabled is False
        await repo.delete(second.id)
        assert [h.id for h in await repo.ordered()] == [first.id]


async def test_hook_names_are_unique_per_realm_only(world: World):
    a, b = await world.realm(), await world.realm()
    async with world.control.transaction() as tx:
        await tx.hooks(a.id).add(hook(a.id, 0, name="same"))
        await tx.hooks(b.id).add(hook(b.id, 0, name="same"))
    with pytest.raises(Conflict):
        async with world.control.transaction() as tx:
            await tx.hooks(a.id).add(hook(a.id, 1, name="same"))


async def test_a1_realm_b_sees_and_changes_nothing_of_realm_a(world: World):
    a, b = await world.realm(), await world.realm()
    written = hook(a.id, 0)
    async with world.control.transaction() as tx:
        await tx.hooks(a.id).add(written)
    async with world.control.transaction() as tx:
        other = tx.hooks(b.id)
        assert await other.ordered() == [] and await other.get(written.id) is None
        assert await other.by_name(written.name) is None and await other.next_position() == 0
        await other.set_positions([written.id])
        await other.update(replace(written, realm_id=b.id, enabled=False))
        await other.delete(written.id)
        with pytest.raises(ValueError):
            await other.add(written)
    async with world.control.transaction() as tx:
        assert await tx.hooks(a.id).ordered() == [written]
