"""The recorded, idempotent step runner shared by onboarding and offboarding (SPEC L4).

Each step is ``inputs(context) -> dict`` and ``run(context, inputs) -> outputs``. Its record is
written before and after it runs, with an audit event per transition. A succeeded step is never
run again: the same inputs return its stored outputs, other inputs are a drift (409). One
executor per customer at a time: every step first takes or renews the customer's lease, and an
executor that finds another live holder waits for the lease to lapse or be released.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from tenantry.core.errors import Conflict, DomainError, NotFound
from tenantry.core.onboarding import STEPS, RunKind, StepRecord, inputs_hash
from tenantry.ports.control import ControlTransaction
from tenantry.services.access import Actor, system_actor
from tenantry.services.audit import record
from tenantry.services.context import Ports

from .faults import halt


@dataclass(slots=True)
class Context:
    """What a step sees: the run's spec, who asked and why, and the outputs of the steps before it."""

    slug: str
    kind: RunKind
    spec: dict[str, Any]
    actor: Actor
    reason: str
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    inputs: Callable[[Context], dict[str, Any]]
    run: Callable[[Context, dict[str, Any]], Awaitable[dict[str, Any]]]


def error_text(exc: BaseException) -> str:
    """A failed step's error, kept as JSON so a later caller can answer with the same code."""
    if isinstance(exc, DomainError):
        return json.dumps({"kind": exc.kind, "code": exc.code, "message": exc.message, "details": exc.details})
    return json.dumps({"kind": "unavailable", "code": "step_failed", "message": f"{type(exc).__name__}: {exc}"[:1000]})


def run_actor(meta: dict[str, Any]) -> Actor:
    """The pipeline acts with the authority checked when the run was asked for, in the asker's name."""
    label = str(meta.get("actor", "operator:control"))
    return replace(system_actor(label.partition(":")[2] or label), request_id=meta.get("request_id"))


class Pipeline:
    def __init__(self, ports: Ports, steps: dict[RunKind, tuple[Step, ...]], lease_seconds: int, halt_at: str | None):
        self.ports = ports
        self.steps = steps
        self.lease_seconds = lease_seconds
        self.halt_at = halt_at
        for kind, chain in steps.items():
            assert tuple(step.name for step in chain) == STEPS[kind], f"the {kind} steps are out of order"

    def order(self) -> list[tuple[str, str]]:
        return [(kind, step.name) for kind in ("onboard", "offboard") for step in self.steps.get(kind, ())]

    def _halt(self, point: str) -> None:
        halt(self.halt_at, point)

    async def _leased(self, slug: str, kind: RunKind, holder: str, step: Step) -> tuple[Context, StepRecord, str]:
        """In one transaction: take or renew the customer's lease, read the run, and mark the step running
        unless it succeeded already (then the caller replays it). Waits out another holder."""
        deadline = self.ports.clock.now() + timedelta(seconds=2 * self.lease_seconds + 5)
        while True:
            now = self.ports.clock.now()
            async with self.ports.control.transaction() as tx:
                other = await tx.leases.acquire(slug, holder, now, now + timedelta(seconds=self.lease_seconds))
                if other is None:
                    ctx, records = await self._read(tx, slug, kind)
                    inputs = step.inputs(ctx)
                    digest = inputs_hash(inputs)
                    current = records.get(step.name) or StepRecord(slug, kind, step.name)
                    if current.status != "succeeded":
                        await self._write(tx, ctx, current, "running", inputs=inputs, digest=digest)
                    return ctx, current, digest
            if now >= deadline:
                raise Conflict("another executor is working on this customer", code="customer_busy")
            await asyncio.sleep(0.2)

    async def finish(self, kind: RunKind, slug: str, holder: str, error: str | None) -> None:
        """Close the run (succeeded, or failed with the step's error) and free the customer's lease."""
        ctx = await self.context(slug, kind)
        status = "failed" if error else "succeeded"
        async with self.ports.control.transaction() as tx:
            run = await tx.runs.get(slug, kind)
            if run is not None and run.status == "running":
                run.status, run.error, run.finished_at = status, error, self.ports.clock.now()  # type: ignore[assignment]
                await tx.runs.update(run)
                await record(
                    tx,
                    ctx.actor,
                    f"customer.run.{status}",
                    "customer",
                    slug,
                    details={"run": kind, "reason": ctx.reason},
                )
            await tx.leases.release(slug, holder)

    async def context(self, slug: str, kind: RunKind) -> Context:
        async with self.ports.control.transaction() as tx:
            return (await self._read(tx, slug, kind))[0]

    async def _read(self, tx: ControlTransaction, slug: str, kind: RunKind) -> tuple[Context, dict[str, StepRecord]]:
        run = await tx.runs.get(slug, kind)
        if run is None:
            raise NotFound("no such run", code="run_not_found")
        records = {r.step: r for r in await tx.runs.steps(slug, kind)}
        outputs = {r.step: r.outputs for r in records.values() if r.status == "succeeded"}
        meta = run.spec.get("meta", {})
        ctx = Context(slug, kind, run.spec["spec"], run_actor(meta), str(meta.get("reason", "")), outputs)
        return ctx, records

    async def execute(self, kind: RunKind, slug: str, name: str, holder: str) -> dict[str, Any]:
        step = next(s for s in self.steps[kind] if s.name == name)
        self._halt(f"{name}.before")
        ctx, current, digest = await self._leased(slug, kind, holder, step)
        if current.status == "succeeded":
            check_drift(current, digest)
            return current.outputs
        try:
            outputs = await step.run(ctx, current.inputs)
            self._halt(f"{name}.inside")
        except Exception as exc:
            await self._transition(ctx, current, "failed", error=error_text(exc))
            raise
        await self._transition(ctx, current, "succeeded", outputs=outputs)
        self._halt(f"{name}.after")
        return outputs

    async def _transition(self, ctx: Context, current: StepRecord, status: str, **values: Any) -> None:
        async with self.ports.control.transaction() as tx:
            await self._write(tx, ctx, current, status, **values)

    async def _write(
        self,
        tx: ControlTransaction,
        ctx: Context,
        current: StepRecord,
        status: str,
        *,
        inputs: dict[str, Any] | None = None,
        digest: str | None = None,
        outputs: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        """Write the step's record and its audit event (SPEC L4) in the caller's transaction."""
        now = self.ports.clock.now()
        if status == "running":
            current.attempt += 1
            current.inputs, current.inputs_hash = inputs or {}, digest
            current.started_at, current.finished_at, current.error, current.outputs = now, None, None, {}
        else:
            current.finished_at = now
            current.outputs, current.error = outputs or {}, error
        current.status = status  # type: ignore[assignment]
        await tx.runs.save_step(current)
        details: dict[str, Any] = {"run": ctx.kind, "step": current.step, "attempt": current.attempt}
        if error is not None:
            details["error"] = json.loads(error).get("code")
        details["reason"] = ctx.reason
        await record(tx, ctx.actor, f"customer.step.{status}", "customer", ctx.slug, details=details)


def check_drift(current: StepRecord, digest: str) -> None:
    if current.inputs_hash != digest:
        raise Conflict(
            "this step already succeeded with other inputs",
            code="step_drift",
            details={"step": current.step, "run": current.kind},
        )


def raise_recorded(error: str | None) -> None:
    """Raise the domain error a failed step recorded, so every caller sees the same code."""
    try:
        data = json.loads(error or "{}")
    except ValueError:
        data = {}
    kinds: dict[str, type[DomainError]] = {cls.kind: cls for cls in DomainError.__subclasses__()}
    cls = kinds.get(str(data.get("kind")), DomainError)
    raise cls(str(data.get("message", "the run failed")), code=data.get("code"), details=data.get("details"))
