"""AuditRepository contract (SPEC L9): append-only, hash-chained per stream, gapless under concurrency."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import update

from tenantry.core.audit import GENESIS, AuditEvent, chain_hash, event_body, first_broken_link, realm_stream
from tenantry.ports.paging import PageRequest
from tenantry.storage.control.transaction import SqlControlPlane
from tenantry.storage.tables_control import audit_events

from .world import EPOCH_MS, World, at, unique, walk

CONCURRENT_APPENDS = 20


def _fields(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "actor": "operator:test",
        "action": "organization.created",
        "target_type": "organization",
        "target_id": "org_x",
        "request_id": None,
        "realm_id": None,
        "organization_id": None,
        "details": {},
    }
    return {**values, **overrides}


async def _append(world: World, stream: str, **overrides: Any) -> AuditEvent:
    async with world.control.transaction() as tx:
        return await tx.audit.append(stream=stream, **_fields(**overrides))


async def _stream(world: World, stream: str) -> list[AuditEvent]:
    async with world.control.transaction() as tx:
        return await tx.audit.stream(stream)


async def test_l9_first_event_links_to_genesis_and_the_next_to_it(world: World):
    stream = unique("stream")
    first = await _append(world, stream, details={"name": "acme", "nested": {"n": 1}}, request_id="req-1")
    second = await _append(world, stream, action="organization.deleted")
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert first.hash == chain_hash(GENESIS, event_body(first))
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert second.hash == chain_hash(first.hash, event_body(second))


async def test_l9_stream_returns_every_stored_field_in_sequence_order(world: World):
    stream = unique("stream")
    appended = [
        await _append(world, stream, target_id=f"org_{i}", realm_id="rlm_r", organization_id="org_o", details={"i": i})
        for i in range(3)
    ]
    events = await _stream(world, stream)
    assert events == appended
    assert first_broken_link(events) is None


async def test_l9_streams_lists_each_stream_once_by_name(fresh_world: World):
    world = fresh_world
    async with world.control.transaction() as tx:
        before = await tx.audit.streams()
    for stream in ("zulu", "alpha", "zulu"):
        await _append(world, stream)
    async with world.control.transaction() as tx:
        assert await tx.audit.streams() == sorted({*before, "alpha", "zulu"})


async def test_l9_list_pages_one_stream_in_sequence_order(world: World):
    stream = unique("stream")
    appended = [await _append(world, stream, target_id=f"org_{i}") for i in range(5)]
    await _append(world, unique("stream"))
    async with world.control.transaction() as tx:
        pages = await walk(lambda page: tx.audit.list(stream, page), limit=2)
    assert pages == [appended[0:2], appended[2:4], appended[4:5]]


class FrozenClock:
    def now(self) -> datetime:
        return at(EPOCH_MS)


async def test_l9_list_follows_the_chain_even_when_events_share_a_millisecond(world: World):
    """Ids made in one millisecond sort at random; the list must still follow the sequence."""
    frozen = SqlControlPlane(world.runtime.engines.control, FrozenClock())
    stream = unique("stream")
    for i in range(12):
        async with frozen.transaction() as tx:
            await tx.audit.append(stream=stream, **_fields(target_id=f"org_{i}"))
    events = await _stream(world, stream)
    assert [event.target_id for event in events] == [f"org_{i}" for i in range(12)]
    async with world.control.transaction() as tx:
        pages = await walk(lambda page: tx.audit.list(stream, page), limit=5)
    assert [event for page in pages for event in page] == events


async def test_l9_list_refuses_a_cursor_that_is_not_a_sequence_number(world: World):
    with pytest.raises(ValueError):
        async with world.control.transaction() as tx:
            await tx.audit.list(unique("stream"), PageRequest(cursor="evt_01abc"))


async def test_l9_list_filters_by_organization_as_actor_scope_or_target(world: World):
    stream = unique("stream")
    scoped = await _append(world, stream, organization_id="org_a", target_id="usr_1")
    targeted = await _append(world, stream, organization_id=None, target_id="org_a")
    await _append(world, stream, organization_id="org_b", target_id="usr_2")
    async with world.control.transaction() as tx:
        assert (await tx.audit.list(stream, PageRequest(), organization_id="org_a")).items == [scoped, targeted]


async def test_l9_list_filters_by_action(world: World):
    stream = unique("stream")
    created = await _append(world, stream, action="user.created")
    await _append(world, stream, action="user.deleted")
    again = await _append(world, stream, action="user.created")
    async with world.control.transaction() as tx:
        assert (await tx.audit.list(stream, PageRequest(), action="user.created")).items == [created, again]
        assert (
            await tx.audit.list(stream, PageRequest(), action="user.created", organization_id="org_other")
        ).items == []


async def test_l9_concurrent_appends_to_a_new_stream_form_one_gapless_chain(world: World):
    stream = unique("stream")
    appended = await asyncio.gather(*(_append(world, stream, target_id=f"org_{i}") for i in range(CONCURRENT_APPENDS)))
    events = await _stream(world, stream)
    assert [event.seq for event in events] == list(range(1, CONCURRENT_APPENDS + 1))
    assert first_broken_link(events) is None
    assert sorted(event.target_id for event in events) == sorted(f"org_{i}" for i in range(CONCURRENT_APPENDS))
    assert sorted(appended, key=lambda event: event.seq) == events


async def test_l9_concurrent_appends_extend_an_existing_chain_without_gaps(world: World):
    stream = unique("stream")
    await _append(world, stream)
    await asyncio.gather(*(_append(world, stream, target_id=f"org_{i}") for i in range(CONCURRENT_APPENDS)))
    events = await _stream(world, stream)
    assert [event.seq for event in events] == list(range(1, CONCURRENT_APPENDS + 2))
    assert first_broken_link(events) is None
    async with world.control.transaction() as tx:
        listed = [event for page in await walk(lambda page: tx.audit.list(stream, page), limit=7) for event in page]
    assert listed == events


async def test_l9_an_edited_event_breaks_the_chain_at_that_event(world: World):
    stream = unique("stream")
    events = [await _append(world, stream, details={"i": i}) for i in range(4)]
    async with world.runtime.engines.control.begin() as conn:  # only raw SQL can edit the append-only log
        await conn.execute(update(audit_events).where(audit_events.c.id == events[2].id).values(details={"i": 99}))
    broken = first_broken_link(await _stream(world, stream))
    assert broken is not None
    assert broken.id == events[2].id


async def test_l9_a_rolled_back_append_leaves_no_gap(world: World):
    stream = unique("stream")
    await _append(world, stream)

    class Abort(Exception):
        pass

    try:
        async with world.control.transaction() as tx:
            await tx.audit.append(stream=stream, **_fields())
            raise Abort
    except Abort:
        pass
    await _append(world, stream)
    events = await _stream(world, stream)
    assert [event.seq for event in events] == [1, 2]
    assert first_broken_link(events) is None


# Isolation: each realm's events live in its own stream.


async def test_a1_realm_stream_holds_none_of_another_realms_events(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    in_a = await _append(world, realm_stream(realm_a.id), realm_id=realm_a.id, organization_id="org_a")
    in_b = await _append(world, realm_stream(realm_b.id), realm_id=realm_b.id)
    assert await _stream(world, realm_stream(realm_b.id)) == [in_b]
    async with world.control.transaction() as tx:
        assert (await tx.audit.list(realm_stream(realm_b.id), PageRequest())).items == [in_b]
        assert (await tx.audit.list(realm_stream(realm_b.id), PageRequest(), organization_id="org_a")).items == []
        assert (await tx.audit.list(realm_stream(realm_a.id), PageRequest())).items == [in_a]


async def test_a1_other_organization_sees_none_of_organization_a_events(world: World):
    stream = unique("stream")
    await _append(world, stream, organization_id="org_a", target_id="usr_1")
    await _append(world, stream, organization_id="org_isolated", target_id="usr_2")
    async with world.control.transaction() as tx:
        assert (await tx.audit.list(stream, PageRequest(), organization_id="org_b")).items == []
