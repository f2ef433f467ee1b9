"""Ports of the control plane's customer registry: customers, pipeline records, leases, secrets, provisioners."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from tenantry.core.customer import Customer
from tenantry.core.onboarding import Run, RunKind, StepRecord
from tenantry.core.plane import DataPlane

from .paging import Page, PageRequest


class CustomerRepository(Protocol):
    async def add(self, customer: Customer) -> None: ...
    async def get(self, customer_id: str) -> Customer | None: ...
    async def by_slug(self, slug: str) -> Customer | None: ...
    async def list(self, page: PageRequest, *, status: str | None = None) -> Page[Customer]: ...
    async def update(self, customer: Customer) -> None: ...
    async def suspended(self) -> builtins.list[Customer]: ...
    async def claim_domains(self, customer_id: str, domains: builtins.list[str]) -> None:
        """A verified domain belongs to one customer: a domain held by another is a 409."""
        ...


class RunRepository(Protocol):
    async def get(self, slug: str, kind: RunKind) -> Run | None: ...
    async def add(self, run: Run) -> None: ...
    async def update(self, run: Run) -> None: ...
    async def unfinished(self) -> builtins.list[Run]: ...
    async def steps(self, slug: str, kind: RunKind) -> builtins.list[StepRecord]: ...
    async def step(self, slug: str, kind: RunKind, step: str) -> StepRecord | None: ...
    async def save_step(self, record: StepRecord) -> None: ...


class LeaseRepository(Protocol):
    async def acquire(self, slug: str, holder: str, now: datetime, until: datetime) -> str | None:
        """Take or renew the customer's lease; return the other live holder instead when there is one."""
        ...

    async def release(self, slug: str, holder: str) -> None: ...


class SecretVault(Protocol):
    """Secrets addressed by reference (``tenantry-secret:<path>``); Vault or a cloud manager fit the same shape."""

    async def put(self, path: str, value: bytes) -> str:
        """Store the secret under ``path`` unless one is there already; return its reference."""
        ...

    async def get(self, ref: str) -> bytes | None: ...
    async def delete(self, ref: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class PlaneRequest:
    """What a provisioner is asked to make: the plane the registry already holds, and for whom."""

    customer: str
    plane: DataPlane
    region: str | None
    cloud: str | None


@dataclass(slots=True)
class ProvisionedPlane:
    """What came back: where the plane is, a reference to its credentials, and the stack's own outputs."""

    endpoint: str | None = None
    data_plane_ref: str | None = None
    stack_name: str | None = None
    outputs: dict[str, Any] = field(default_factory=dict)


class Provisioner(Protocol):
    """Makes and destroys a customer's dedicated data plane; both are create-or-get / idempotent."""

    kind: str

    async def provision(self, request: PlaneRequest) -> ProvisionedPlane: ...
    async def destroy(self, request: PlaneRequest) -> None: ...
