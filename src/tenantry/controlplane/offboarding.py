"""Offboarding (SPEC L6): the onboarding pipeline in reverse, each step idempotent.

export the customer's people and content → revoke their sessions and tokens → drop the dedicated
plane (or, on a shared plane, delete the customer's users) → destroy its keys (the realm's signing
keys, the organization's configuration, the plane's credentials) → close the record as offboarded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tenantry.core.customer import Customer
from tenantry.core.errors import NotFound
from tenantry.core.secret_ref import EMBEDDED
from tenantry.ports.customers import PlaneRequest, Provisioner, SecretVault
from tenantry.services.audit import record
from tenantry.services.context import Ports

from .pipeline import Context, Step
from .reach import people, plane_of, revoke_access


class Offboarding:
    def __init__(self, ports: Ports, provisioner: Provisioner, vault: SecretVault, export_dir: Path):
        self.ports = ports
        self.provisioner = provisioner
        self.vault = vault
        self.export_dir = export_dir

    def steps(self) -> tuple[Step, ...]:
        same = self._inputs
        return (
            Step("export", same, self.export),
            Step("revoke_tokens", same, self.revoke_tokens),
            Step("drop_plane", same, self.drop_plane),
            Step("destroy_keys", same, self.destroy_keys),
            Step("close", same, self.close),
        )

    def _inputs(self, ctx: Context) -> dict[str, Any]:
        return {"slug": ctx.slug}

    async def _customer(self, slug: str) -> Customer:
        async with self.ports.control.transaction() as tx:
            found = await tx.customers.by_slug(slug)
        if found is None:
            raise NotFound("no such customer", code="customer_not_found")
        return found

    async def export(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        """The customer's users (no credentials) and content, as one JSON file the operator hands over."""
        customer = await self._customer(ctx.slug)
        users = [
            {"id": u.id, "email": u.email, "name": u.name, "connection_id": u.connection_id}
            async for u in people(self.ports, customer)
        ]
        content: list[dict[str, str]] = []
        plane = await plane_of(self.ports, customer)
        if plane is not None and customer.realm_id and customer.organization_id:
            async with self.ports.planes.transaction(plane, customer.realm_id) as data:
                items = await data.content.for_organization(customer.organization_id)
            content = [{"key": i.key, "title": i.title, "body": i.body, "version": i.template_version} for i in items]
        self.export_dir.mkdir(parents=True, exist_ok=True)
        path = self.export_dir / f"{customer.slug}.json"
        document = {"customer": customer.slug, "users": users, "content": content}
        path.write_text(json.dumps(document, indent=2))
        return {"path": str(path), "users": len(users), "content": len(content)}

    async def revoke_tokens(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        return await revoke_access(self.ports, await self._customer(ctx.slug))

    async def drop_plane(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        customer = await self._customer(ctx.slug)
        plane = await plane_of(self.ports, customer)
        if plane is None:
            return {"dropped": None}
        if customer.tier == "dedicated":
            await self.ports.planes.release(plane)
            await self.provisioner.destroy(PlaneRequest(customer.slug, plane, customer.region, customer.cloud))
            return {"dropped": plane.database}
        deleted = 0
        async with self.ports.planes.transaction(plane, customer.realm_id or "") as data:
            scopes: list[str | None] = [None] if customer.pattern == "realm" else list(customer.connection_ids)
            for connection_id in scopes:
                deleted += await data.users.delete_all(connection_id)
        return {"dropped": None, "users_deleted": deleted}

    async def destroy_keys(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        """The realm (its signing keys go with it) or the organization, the plane's row and its credentials."""
        customer = await self._customer(ctx.slug)
        async with self.ports.control.transaction() as tx:
            if customer.pattern == "realm" and customer.realm_id:
                await tx.realms.delete(customer.realm_id)
            elif customer.realm_id and customer.organization_id:
                for connection in await tx.connections(customer.realm_id).owned_by(customer.organization_id):
                    await tx.connections(customer.realm_id).delete(connection.id)
                await tx.organizations(customer.realm_id).delete(customer.organization_id)
            if customer.tier == "dedicated" and customer.data_plane_id:
                await tx.planes.delete(customer.data_plane_id)
        destroyed = False
        if customer.data_plane_ref and customer.data_plane_ref.startswith(f"{EMBEDDED}:"):
            destroyed = await self.vault.delete(customer.data_plane_ref)
        return {"realm_deleted": customer.pattern == "realm", "secret_destroyed": destroyed}

    async def close(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        async with self.ports.control.transaction() as tx:
            customer = await tx.customers.by_slug(ctx.slug)
            if customer is None:
                raise NotFound("no such customer", code="customer_not_found")
            if customer.status != "offboarded":
                customer.move_to("offboarded", self.ports.clock.now())
                await tx.customers.update(customer)
                await record(
                    tx, ctx.actor, "customer.offboarded", "customer", customer.slug, details={"reason": ctx.reason}
                )
        return {"status": "offboarded"}
