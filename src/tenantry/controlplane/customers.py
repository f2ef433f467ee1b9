"""The customer registry's use cases: onboard, retry, read, suspend, reactivate, offboard (SPEC L1-L8).

Every write names a control-plane role and a reason (``operators.authorize``) and lands in the
audit log. Onboarding and offboarding are runs of the recorded pipeline, executed as durable
workflows; a run is keyed by the customer's slug, so asking twice joins or replays the same run.
"""

from __future__ import annotations

import builtins
from typing import Any

from tenantry.core.audit import PLATFORM_STREAM, AuditEvent
from tenantry.core.customer import Customer
from tenantry.core.errors import Conflict, NotFound
from tenantry.core.ids import has_prefix
from tenantry.core.onboarding import Run, RunKind, StepRecord, inputs_hash
from tenantry.ports.paging import Page, PageRequest
from tenantry.services.access import Actor
from tenantry.services.audit import record
from tenantry.services.context import Ports

from .durable import Workflows
from .operators import authorize, may_read
from .pipeline import Context, Pipeline, check_drift, raise_recorded
from .reach import revoke_access
from .spec import parse_spec


class CustomerService:
    def __init__(self, ports: Ports, pipeline: Pipeline, workflows: Workflows):
        self.ports = ports
        self.pipeline = pipeline
        self.workflows = workflows

    async def onboard(self, actor: Actor, values: dict[str, Any], *, reason: str | None) -> Customer:
        why = authorize(actor, "provisioning", reason=reason)
        spec = parse_spec(values)
        await self._run(actor, why, "onboard", spec.slug, spec.model_dump(mode="json"))
        return await self._get(spec.slug)

    async def retry(self, actor: Actor, slug: str, *, reason: str | None) -> Customer:
        """Resume the customer's last run at its first unfinished step (a new workflow, same records)."""
        why = authorize(actor, "provisioning", reason=reason)
        async with self.ports.control.transaction() as tx:
            runs = [run for kind in ("offboard", "onboard") if (run := await tx.runs.get(slug, kind)) is not None]
        if not runs:
            raise NotFound("no run of this customer", code="run_not_found")
        await self._run(actor, why, runs[0].kind, slug, runs[0].spec["spec"])
        return await self._get(slug)

    async def offboard(self, actor: Actor, ref: str, *, reason: str | None) -> Customer:
        why = authorize(actor, "provisioning", "cross_customer_access", reason=reason)
        customer = await self._get(ref)
        await self._run(actor, why, "offboard", customer.slug, {"slug": customer.slug})
        return await self._get(customer.slug)

    async def _run(self, actor: Actor, reason: str, kind: RunKind, slug: str, spec: dict[str, Any]) -> None:
        run = await self._prepare(actor, reason, kind, slug, spec)
        if run.status != "succeeded":
            await self.workflows.run(kind, slug, run.workflow_id)
        async with self.ports.control.transaction() as tx:
            done = await tx.runs.get(slug, kind)
        if done is not None and done.status == "failed":
            raise_recorded(done.error)

    async def _prepare(self, actor: Actor, reason: str, kind: RunKind, slug: str, spec: dict[str, Any]) -> Run:
        """Create-or-get the run; a succeeded first step with other inputs is a drift (409)."""
        meta = {"actor": actor.label, "reason": reason, "request_id": actor.request_id}
        first = self.pipeline.steps[kind][0]
        digest = inputs_hash(first.inputs(Context(slug, kind, spec, actor, reason)))
        now = self.ports.clock.now()
        for _ in range(2):
            async with self.ports.control.transaction() as tx:
                run = await tx.runs.get(slug, kind)
                head = await tx.runs.step(slug, kind, first.name)
                settled = head is not None and head.status == "succeeded"
                if settled:
                    check_drift(head, digest)  # type: ignore[arg-type]
                if run is None:
                    run = Run(slug, kind, 1, "running", {"spec": spec, "meta": meta}, now)
                    try:
                        await tx.runs.add(run)
                    except Conflict:
                        continue  # a concurrent caller made it: join theirs
                elif run.status == "failed":
                    run.attempt, run.status, run.error, run.finished_at, run.started_at = (
                        run.attempt + 1,
                        "running",
                        None,
                        None,
                        now,
                    )
                    run.spec = {"spec": run.spec["spec"] if settled else spec, "meta": meta}
                    await tx.runs.update(run)
                return run
        raise Conflict("another executor is starting this customer's run", code="customer_busy")

    async def _get(self, ref: str) -> Customer:
        async with self.ports.control.transaction() as tx:
            found = await (tx.customers.get(ref) if has_prefix(ref, "cus") else tx.customers.by_slug(ref))
        if found is None:
            raise NotFound("no such customer", code="customer_not_found")
        return found

    async def get(self, actor: Actor, ref: str) -> Customer:
        may_read(actor)
        return await self._get(ref)

    async def list(self, actor: Actor, page: PageRequest, *, status: str | None = None) -> Page[Customer]:
        may_read(actor)
        async with self.ports.control.transaction() as tx:
            return await tx.customers.list(page, status=status)

    async def steps(self, actor: Actor, slug: str) -> builtins.list[StepRecord]:
        """The records of the customer's runs, onboarding first, in pipeline order."""
        may_read(actor)
        async with self.ports.control.transaction() as tx:
            records = await tx.runs.steps(slug, "onboard") + await tx.runs.steps(slug, "offboard")
        order = {name: i for i, name in enumerate(self.pipeline.order())}
        return sorted(records, key=lambda r: order.get((r.kind, r.step), 0))

    async def trail(self, actor: Actor, slug: str) -> builtins.list[AuditEvent]:
        """The customer's audit trail: every event the control plane wrote about it, in order."""
        may_read(actor)
        async with self.ports.control.transaction() as tx:
            events = await tx.audit.stream(PLATFORM_STREAM)
        return [e for e in events if e.target_type == "customer" and e.target_id == slug]

    async def suspend(self, actor: Actor, ref: str, *, reason: str | None) -> Customer:
        """L7: refuse new logins (the login gate reads the status) and end every session and token."""
        customer = await self._move(actor, ref, "suspended", reason)
        await revoke_access(self.ports, customer)
        return customer

    async def reactivate(self, actor: Actor, ref: str, *, reason: str | None) -> Customer:
        return await self._move(actor, ref, "active", reason)

    async def _move(self, actor: Actor, ref: str, status: str, reason: str | None) -> Customer:
        why = authorize(actor, "provisioning", reason=reason)
        customer = await self._get(ref)
        async with self.ports.control.transaction() as tx:
            current = await tx.customers.get(customer.id)
            assert current is not None
            if current.status != status:
                before = current.status
                current.move_to(status, self.ports.clock.now())  # type: ignore[arg-type]
                await tx.customers.update(current)
                await record(
                    tx,
                    actor,
                    f"customer.{'suspended' if status == 'suspended' else 'reactivated'}",
                    "customer",
                    current.slug,
                    details={"from": before, "reason": why},
                )
        return current
