"""The onboarding pipeline (SPEC L3): validate → create the Customer row → provision its data plane →
fork the starter content → create the identity side → write the outputs back → activate.

Each step below is a pair (inputs, run) handed to the recorded runner (``pipeline.Pipeline``).
Inputs are what the step depends on; the natural keys of its side effects come from them (the
plane's name from the slug, the realm and organization ids reserved with the Customer row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tenantry.core.content import ContentTemplate
from tenantry.core.customer import Customer
from tenantry.core.errors import Conflict, NotFound
from tenantry.core.plane import DataPlane
from tenantry.ports.customers import PlaneRequest, Provisioner
from tenantry.services.access import system_actor
from tenantry.services.audit import record
from tenantry.services.context import Ports
from tenantry.services.realms import RealmService

from .identity import IdentityMaker
from .pipeline import Context, Step
from .planes import PlaneRegistry
from .spec import CustomerSpec


def plane_name(slug: str) -> str:
    return f"cus-{slug}"


@dataclass(slots=True)
class Placement:
    """Where customers go: the realm that hosts isolated organizations, the shared pool, the provisioner."""

    host_realm: str
    shared_plane: str
    provisioner: Provisioner
    template: ContentTemplate
    plane_servers: frozenset[str] = frozenset()
    """PostgreSQL servers by name; a customer whose region names one gets its dedicated plane there."""


class Onboarding:
    def __init__(self, ports: Ports, planes: PlaneRegistry, placement: Placement, identity: IdentityMaker):
        self.ports = ports
        self.planes = planes
        self.placement = placement
        self.identity = identity

    def steps(self) -> tuple[Step, ...]:
        return (
            Step("validate", lambda c: {"spec": c.spec, "host_realm": self.placement.host_realm}, self.validate),
            Step("create_customer", lambda c: {"spec": c.spec, **c.outputs["validate"]}, self.create_customer),
            Step("provision_plane", self._plane_inputs, self.provision_plane),
            Step("fork_content", self._content_inputs, self.fork_content),
            Step("create_identity", self._identity_inputs, self.create_identity),
            Step(
                "write_back",
                lambda c: {k: c.outputs[k] for k in ("provision_plane", "create_identity")},
                self.write_back,
            ),
            Step("activate", lambda c: {"trial": c.spec.get("trial", False)}, self.activate),
        )

    async def _customer(self, slug: str) -> Customer:
        async with self.ports.control.transaction() as tx:
            found = await tx.customers.by_slug(slug)
        if found is None:
            raise NotFound("no such customer", code="customer_not_found")
        return found

    async def validate(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        """Refuse what would collide, before anything is made."""
        spec = CustomerSpec.model_validate(inputs["spec"]).checked()
        async with self.ports.control.transaction() as tx:
            existing = await tx.customers.by_slug(spec.slug)
            if existing is not None and existing.status == "offboarded":
                raise Conflict("this slug belonged to an offboarded customer", code="customer_exists")
            host = await tx.realms.by_name(self.placement.host_realm)
            if spec.pattern == "realm" and await tx.realms.by_name(spec.slug) is not None:
                raise Conflict("a realm with this name exists", code="realm_exists", details={"name": spec.slug})
            if spec.pattern == "isolated-org" and host is not None:
                if await tx.organizations(host.id).by_name(spec.slug) is not None:
                    raise Conflict("an organization with this name exists", code="organization_exists")
            if spec.custom_domain and await tx.realms.by_custom_domain(spec.custom_domain) is not None:
                raise Conflict("the custom domain belongs to another realm", code="domain_taken")
        server = spec.region if spec.tier == "dedicated" and spec.region in self.placement.plane_servers else None
        return {"server": server, "plane": plane_name(spec.slug) if spec.tier == "dedicated" else None}

    async def _host_realm(self) -> str:
        """Create-or-get the realm that hosts isolated organizations, by its name."""
        name = self.placement.host_realm
        async with self.ports.control.transaction() as tx:
            found = await tx.realms.by_name(name)
        if found is None:
            try:
                found = await RealmService(self.ports).create(system_actor("onboarding"), name=name)
            except Conflict:
                async with self.ports.control.transaction() as tx:
                    found = await tx.realms.by_name(name)
        assert found is not None
        return found.id

    async def create_customer(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        """The row, in trial, with the realm and organization ids reserved now: the identity step's natural keys."""
        spec = CustomerSpec.model_validate(inputs["spec"])
        realm_id = await self._host_realm() if spec.pattern == "isolated-org" else self.ports.new_id("rlm")
        now = self.ports.clock.now()
        async with self.ports.control.transaction() as tx:
            customer = await tx.customers.by_slug(spec.slug)
            if customer is None:
                customer = Customer(
                    id=self.ports.new_id("cus"),
                    slug=spec.slug,
                    name=spec.name,
                    status="trial",
                    tier=spec.tier,
                    pattern=spec.pattern,
                    created_at=now,
                    updated_at=now,
                    region=spec.region,
                    cloud=spec.cloud,
                    version_pin=spec.version_pin,
                    data_plane_ref=spec.data_plane_ref,
                    realm_id=realm_id,
                    organization_id=self.ports.new_id("org"),
                    verified_domains=spec.domains,
                    data_residency=spec.data_residency,
                    baa_signed=spec.baa_signed,
                    isolation_notes=spec.isolation_notes,
                )
                await tx.customers.add(customer)
                await tx.customers.claim_domains(customer.id, spec.domains)
                await record(
                    tx,
                    ctx.actor,
                    "customer.created",
                    "customer",
                    customer.slug,
                    details={"slug": spec.slug, "tier": spec.tier, "pattern": spec.pattern, "reason": ctx.reason},
                )
        return {"customer_id": customer.id, "realm_id": customer.realm_id, "organization_id": customer.organization_id}

    def _plane_inputs(self, ctx: Context) -> dict[str, Any]:
        return {
            "tier": ctx.spec["tier"],
            "region": ctx.spec.get("region"),
            "cloud": ctx.spec.get("cloud"),
            "provisioner": self.placement.provisioner.kind if ctx.spec["tier"] == "dedicated" else None,
            "shared_plane": self.placement.shared_plane if ctx.spec["tier"] == "shared" else None,
            **ctx.outputs["validate"],
        }

    async def provision_plane(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        if inputs["tier"] == "shared":
            plane = await self.planes.ensure(ctx.actor, inputs["shared_plane"])
            return {"data_plane_id": plane.id, "plane": plane.name, "provisioner": None}
        plane = await self._register(ctx, inputs)
        request = PlaneRequest(ctx.slug, plane, inputs["region"], inputs["cloud"])
        made = await self.placement.provisioner.provision(request)
        return {
            "data_plane_id": plane.id,
            "plane": plane.name,
            "database": plane.database,
            "provisioner": inputs["provisioner"],
            "endpoint": made.endpoint,
            "data_plane_ref": made.data_plane_ref,
            "stack_name": made.stack_name,
            "outputs": made.outputs,
        }

    async def _register(self, ctx: Context, inputs: dict[str, Any]) -> DataPlane:
        """Create-or-get the plane's registry row by its name (derived from the slug)."""
        async with self.ports.control.transaction() as tx:
            found = await tx.planes.by_name(inputs["plane"])
        if found is not None:
            return found
        try:
            return await self.planes.register(
                ctx.actor, name=inputs["plane"], tier="dedicated", region=inputs["region"], server=inputs["server"]
            )
        except Conflict:
            async with self.ports.control.transaction() as tx:
                again = await tx.planes.by_name(inputs["plane"])
            if again is None:
                raise
            return again

    def _content_inputs(self, ctx: Context) -> dict[str, Any]:
        template = self.placement.template
        return {
            "template": template.name,
            "version": template.version,
            "data_plane_id": ctx.outputs["provision_plane"]["data_plane_id"],
            "realm_id": ctx.outputs["create_customer"]["realm_id"],
            "organization_id": ctx.outputs["create_customer"]["organization_id"],
        }

    async def fork_content(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        template = self.placement.template
        if (template.name, template.version) != (inputs["template"], inputs["version"]):
            raise Conflict("the content template changed during the run", code="step_drift")
        async with self.ports.control.transaction() as tx:
            plane = await tx.planes.get(inputs["data_plane_id"])
        if plane is None:
            raise NotFound("the customer's data plane is gone", code="plane_not_found")
        async with self.ports.planes.transaction(plane, inputs["realm_id"]) as data:
            added = await data.content.add_missing(inputs["organization_id"], template.version, list(template.items))
        if plane.tier == "dedicated":
            await self.ports.planes.release(plane)  # onboarding visits once; logins reopen it on demand
        return {"template": template.name, "version": template.version, "items": len(template.items), "added": added}

    def _identity_inputs(self, ctx: Context) -> dict[str, Any]:
        return {
            "pattern": ctx.spec["pattern"],
            "custom_domain": ctx.spec.get("custom_domain"),
            "plane": ctx.outputs["provision_plane"]["plane"],
            "data_plane_id": ctx.outputs["provision_plane"]["data_plane_id"],
            **ctx.outputs["create_customer"],
        }

    async def create_identity(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        customer = await self._customer(ctx.slug)
        if inputs["pattern"] == "realm":
            return await self.identity.own_realm(ctx.actor, customer, inputs["plane"], inputs["custom_domain"])
        return await self.identity.isolated_organization(ctx.actor, customer, inputs["data_plane_id"])

    async def write_back(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        plane, identity = inputs["provision_plane"], inputs["create_identity"]
        async with self.ports.control.transaction() as tx:
            customer = await tx.customers.by_slug(ctx.slug)
            if customer is None:
                raise NotFound("no such customer", code="customer_not_found")
            customer.data_plane_id = plane["data_plane_id"]
            customer.data_plane_ref = plane.get("data_plane_ref") or customer.data_plane_ref
            customer.endpoint = plane.get("endpoint")
            customer.stack_name = plane.get("stack_name")
            customer.connection_ids = identity["connection_ids"]
            customer.updated_at = self.ports.clock.now()
            await tx.customers.update(customer)
            await record(
                tx,
                ctx.actor,
                "customer.bound",
                "customer",
                customer.slug,
                details={"data_plane_id": customer.data_plane_id, "data_plane_ref": customer.data_plane_ref},
            )
        return {"customer_id": customer.id}

    async def activate(self, ctx: Context, inputs: dict[str, Any]) -> dict[str, Any]:
        async with self.ports.control.transaction() as tx:
            customer = await tx.customers.by_slug(ctx.slug)
            if customer is None:
                raise NotFound("no such customer", code="customer_not_found")
            if customer.activated_at is None:
                now = self.ports.clock.now()
                if not inputs["trial"]:
                    customer.move_to("active", now)
                customer.activated_at = now
                await tx.customers.update(customer)
                await record(
                    tx,
                    ctx.actor,
                    "customer.activated",
                    "customer",
                    customer.slug,
                    details={"status": customer.status, "reason": ctx.reason},
                )
        return {"status": customer.status}
