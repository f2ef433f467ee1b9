"""Hooks are configuration: every node's cached list of a realm's hooks is forgotten when one node changes it."""

from __future__ import annotations

import pytest

from tenantry.bootstrap import Runtime
from tenantry.storage.control.changes import IGNORED_TABLES
from tests.integration.test_control_changes import ACTOR, eventually, nodes, settled

__all__ = ["nodes"]

RULE = {"actions": [{"type": "set_claim", "claim": "tier", "value": "'gold'"}]}


def test_the_hooks_table_is_not_ignored_by_the_change_feed():
    assert "hooks" not in IGNORED_TABLES


@pytest.mark.postgres
async def test_a5_a_hook_written_on_one_node_runs_at_once_on_the_other(nodes: tuple[Runtime, Runtime]):
    first, second = nodes
    realm = await first.services.realms.create(ACTOR, name="acme")
    await settled()
    assert await second.services.configuration.hooks(realm.id) == []
    await first.services.hooks.create(ACTOR, "acme", name="tier", kind="rule", config=RULE)

    async def seen() -> bool:
        return [hook.name for hook in await second.services.configuration.hooks(realm.id)] == ["tier"]

    assert await eventually(seen)
    await first.services.hooks.update(ACTOR, "acme", "tier", {"enabled": False})

    async def switched_off() -> bool:
        return [hook.enabled for hook in await second.services.configuration.hooks(realm.id)] == [False]

    assert await eventually(switched_off)
