"""SPEC L9: the audit log is tamper-evident: an edited, deleted or cut-off event is found and named."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from tenantry.core.audit import realm_stream
from tenantry.storage.tables_control import audit_events


async def _realm_with_events(runtime, operator) -> str:
    realm = await runtime.services.realms.create(operator, name="ledger")
    for name in ("one", "two", "three"):
        await runtime.services.organizations.create(operator, "ledger", name=name)
    return realm_stream(realm.id)


async def _check(runtime, stream):
    [check] = await runtime.services.audit.verify(stream)
    return check


async def test_l9_an_intact_chain_verifies(runtime, operator):
    stream = await _realm_with_events(runtime, operator)
    check = await _check(runtime, stream)
    assert check.ok and check.events == 4


async def test_l9_an_edited_event_is_named(runtime, operator):
    stream = await _realm_with_events(runtime, operator)
    async with runtime.engines.control.begin() as conn:
        await conn.execute(
            update(audit_events).where(audit_events.c.stream == stream, audit_events.c.seq == 3).values(actor="x")
        )
    check = await _check(runtime, stream)
    assert not check.ok and check.broken_at is not None and check.broken_at.seq == 3


async def test_l9_a_deleted_middle_event_is_named(runtime, operator):
    stream = await _realm_with_events(runtime, operator)
    async with runtime.engines.control.begin() as conn:
        await conn.execute(delete(audit_events).where(audit_events.c.stream == stream, audit_events.c.seq == 2))
    check = await _check(runtime, stream)
    assert check.broken_at is not None and check.broken_at.seq == 3


async def test_l9_events_cut_from_the_end_are_noticed(runtime, operator):
    stream = await _realm_with_events(runtime, operator)
    async with runtime.engines.control.begin() as conn:
        await conn.execute(delete(audit_events).where(audit_events.c.stream == stream, audit_events.c.seq >= 3))
        remaining = (await conn.execute(select(audit_events.c.seq).where(audit_events.c.stream == stream))).all()
    assert len(remaining) == 2
    check = await _check(runtime, stream)
    assert check.broken_at is None and check.truncated_after == 2 and not check.ok
    assert check.problem() == "events missing after seq 2"
