"""``/api/v1/customers``: the control plane's customer registry and its pipelines (SPEC L1-L8).

Writes carry a ``reason`` (L8); onboarding answers when the run has finished (201), and posting
the same customer again replays its run (same inputs) or answers 409 ``step_drift``.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tenantry.controlplane.spec import CustomerSpec
from tenantry.core.customer import Customer
from tenantry.core.onboarding import StepRecord

from ..auth import ActorDep, PageDep
from ..auth import runtime as runtime_of

router = APIRouter(tags=["customers"], prefix="/customers")


class Reason(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=500, description="Why: written to the audit log with the actor (L8).")


class Onboard(CustomerSpec):
    reason: str = Field(max_length=500, description="Why: written to the audit log with the actor (L8).")


def _json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json(item) for item in value]
    return value


def present(customer: Customer) -> dict[str, Any]:
    return dict(_json(asdict(customer)))


def present_step(record: StepRecord) -> dict[str, Any]:
    return dict(_json(asdict(record)))


@router.post("", status_code=201)
async def onboard(body: Onboard, actor: ActorDep, request: Request) -> dict[str, Any]:
    values = body.model_dump(exclude={"reason"}, exclude_unset=True)
    customers = runtime_of(request).customers
    return present(await customers.onboard(actor, values, reason=body.reason))


@router.get("")
async def list_customers(actor: ActorDep, request: Request, page: PageDep, status: str | None = None) -> dict[str, Any]:
    result = await runtime_of(request).customers.list(actor, page, status=status)
    return {"items": [present(c) for c in result.items], "next_cursor": result.next_cursor}


@router.get("/{ref}")
async def show(ref: str, actor: ActorDep, request: Request) -> dict[str, Any]:
    customers = runtime_of(request).customers
    customer = await customers.get(actor, ref)
    steps = await customers.steps(actor, customer.slug)
    return {**present(customer), "steps": [present_step(s) for s in steps]}


@router.post("/{ref}/retry")
async def retry(ref: str, body: Reason, actor: ActorDep, request: Request) -> dict[str, Any]:
    return present(await runtime_of(request).customers.retry(actor, ref, reason=body.reason))


@router.post("/{ref}/suspend")
async def suspend(ref: str, body: Reason, actor: ActorDep, request: Request) -> dict[str, Any]:
    return present(await runtime_of(request).customers.suspend(actor, ref, reason=body.reason))


@router.post("/{ref}/reactivate")
async def reactivate(ref: str, body: Reason, actor: ActorDep, request: Request) -> dict[str, Any]:
    return present(await runtime_of(request).customers.reactivate(actor, ref, reason=body.reason))


@router.post("/{ref}/offboard")
async def offboard(ref: str, body: Reason, actor: ActorDep, request: Request) -> dict[str, Any]:
    return present(await runtime_of(request).customers.offboard(actor, ref, reason=body.reason))
