"""Where a customer's people are, and cutting them off: used by suspension and offboarding (L6, L7).

A customer's users live in its data plane, in its own connections: all of its realm (Pattern B),
or the connections its isolated organization owns. Nothing here scans other planes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from tenantry.core.customer import Customer
from tenantry.core.plane import DataPlane
from tenantry.core.user import User
from tenantry.ports.paging import MAX_LIMIT, PageRequest
from tenantry.services.context import Ports


async def plane_of(ports: Ports, customer: Customer) -> DataPlane | None:
    if customer.data_plane_id is None:
        return None
    async with ports.control.transaction() as tx:
        return await tx.planes.get(customer.data_plane_id)


async def people(ports: Ports, customer: Customer) -> AsyncIterator[User]:
    """Every user of the customer, page by page, from its own plane only."""
    plane = await plane_of(ports, customer)
    if plane is None or customer.realm_id is None:
        return
    scopes: list[str | None] = [None] if customer.pattern == "realm" else list(customer.connection_ids)
    for connection_id in scopes:
        cursor: str | None = None
        while True:
            async with ports.planes.transaction(plane, customer.realm_id) as data:
                page = await data.users.list(PageRequest(MAX_LIMIT, cursor), connection_id=connection_id)
            for user in page.items:
                yield user
            cursor = page.next_cursor
            if cursor is None:
                break


async def revoke_access(ports: Ports, customer: Customer) -> dict[str, int]:
    """End every session and token family of the customer's users (L6, L7); idempotent."""
    plane = await plane_of(ports, customer)
    if plane is None or customer.realm_id is None:
        return {"users": 0, "sessions": 0, "token_families": 0}
    users = sessions = families = 0
    now = ports.clock.now()
    async for user in people(ports, customer):
        async with ports.planes.transaction(plane, customer.realm_id) as data:
            sessions += await data.sessions.revoke_for_user(user.id, now)
            families += await data.grants.revoke_families(now=now, user_id=user.id)
        users += 1
    return {"users": users, "sessions": sessions, "token_families": families}
